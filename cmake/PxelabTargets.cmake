# One library per folder, files found by convention (so parallel work in one folder
# never edits a shared list):
#   foo.cc         -> the folder's library
#   foo_test.cc    -> the folder's GoogleTest binary, every test registered with ctest
#   foo_fuzz.cc    -> a libFuzzer target (PXELAB_FUZZ=ON, clang) or, otherwise, a replay
#                     binary that runs the target over fuzz_corpus/foo/ as a ctest test
#   foo_testlib.cc -> ${name}_testlib: helpers for tests (may use GoogleTest), linked into
#                     this folder's test binary; folders above name it in TEST_DEPS
#   *_main.cc      -> skipped here; the folder adds its own executables
set(PXELAB_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Woverloaded-virtual -Wimplicit-fallthrough -Wno-missing-field-initializers)

function(pxelab_apply_flags target)
  target_compile_options(${target} PRIVATE ${PXELAB_WARNINGS})
  if(PXELAB_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(PXELAB_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# The layer of the current folder: its index in PXELAB_LAYERS (top-level CMakeLists.txt).
function(pxelab_current_layer out)
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  list(FIND PXELAB_LAYERS "${rel}" index)
  if(index LESS 0)
    message(FATAL_ERROR "pxelab: folder '${rel}' is not in PXELAB_LAYERS (top-level CMakeLists.txt)")
  endif()
  set(${out} ${index} PARENT_SCOPE)
endfunction()

# Dependencies point down: every pxelab_* library in DEPS or TEST_DEPS must come from a
# folder earlier in PXELAB_LAYERS (so it is already defined and carries its layer).
function(pxelab_check_layer name layer)
  foreach(dep ${ARGN})
    if(NOT dep MATCHES "^pxelab_")
      continue()
    endif()
    get_property(dep_layer GLOBAL PROPERTY PXELAB_LAYER_OF_${dep})
    if(dep_layer STREQUAL "" OR NOT dep_layer LESS layer)
      list(GET PXELAB_LAYERS ${layer} here)
      message(FATAL_ERROR "pxelab: ${name} (${here}) links ${dep}, which is not on a lower layer; "
                          "dependencies point down PXELAB_LAYERS (top-level CMakeLists.txt)")
    endif()
  endforeach()
endfunction()

# pxelab_library(NAME DEPS <libs...> TEST_DEPS <libs...>)
function(pxelab_library name)
  cmake_parse_arguments(ARG "" "" "DEPS;TEST_DEPS" ${ARGN})
  set(dir ${CMAKE_CURRENT_SOURCE_DIR})
  pxelab_current_layer(layer)
  pxelab_check_layer(${name} ${layer} ${ARG_DEPS} ${ARG_TEST_DEPS})
  set_property(GLOBAL PROPERTY PXELAB_LAYER_OF_${name} ${layer})
  file(GLOB srcs CONFIGURE_DEPENDS ${dir}/*.cc)
  list(FILTER srcs EXCLUDE REGEX "(_test|_testlib|_fuzz|_main|_bench)\\.cc$")
  if(srcs)
    add_library(${name} STATIC ${srcs})
    target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(${name} PUBLIC ${ARG_DEPS})
    pxelab_apply_flags(${name})
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${name} INTERFACE ${ARG_DEPS})
  endif()

  set(testlib "")
  file(GLOB testlib_srcs CONFIGURE_DEPENDS ${dir}/*_testlib.cc)
  if(testlib_srcs)
    # Known to the layer check even when tests are off (the fuzz preset), so a folder
    # above may name it in TEST_DEPS in every preset.
    set_property(GLOBAL PROPERTY PXELAB_LAYER_OF_${name}_testlib ${layer})
  endif()
  if(testlib_srcs AND PXELAB_TESTS AND NOT PXELAB_FUZZ)
    set(testlib ${name}_testlib)
    add_library(${testlib} STATIC ${testlib_srcs})
    target_link_libraries(${testlib} PUBLIC ${name} ${ARG_TEST_DEPS} GTest::gtest)
    pxelab_apply_flags(${testlib})
  endif()

  file(GLOB tests CONFIGURE_DEPENDS ${dir}/*_test.cc)
  if(tests AND PXELAB_TESTS AND NOT PXELAB_FUZZ)
    add_executable(${name}_test ${tests})
    target_link_libraries(${name}_test PRIVATE ${name} ${testlib} ${ARG_TEST_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
    target_compile_definitions(${name}_test PRIVATE PXELAB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    pxelab_apply_flags(${name}_test)
    gtest_discover_tests(${name}_test DISCOVERY_MODE PRE_TEST
      WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR} PROPERTIES TIMEOUT 120)
  endif()

  file(GLOB fuzzers CONFIGURE_DEPENDS ${dir}/*_fuzz.cc)
  foreach(f ${fuzzers})
    get_filename_component(stem ${f} NAME_WE)
    string(REGEX REPLACE "_fuzz$" "" target_name ${stem})
    set(exe fuzz_${target_name})
    if(PXELAB_FUZZ)
      add_executable(${exe} ${f})
      target_compile_options(${exe} PRIVATE -fsanitize=fuzzer,address,undefined)
      target_link_options(${exe} PRIVATE -fsanitize=fuzzer,address,undefined)
    elseif(PXELAB_TESTS)
      add_executable(${exe} ${f} ${PROJECT_SOURCE_DIR}/cmake/fuzz_replay_main.cc)
      add_test(NAME fuzz_replay.${target_name}
               COMMAND ${exe} ${dir}/fuzz_corpus/${target_name})
    else()
      continue()
    endif()
    target_link_libraries(${exe} PRIVATE ${name})
    pxelab_apply_flags(${exe})
  endforeach()
endfunction()
