# One library per folder, files found by convention (so parallel work in one folder
# never edits a shared list):
#   foo.cc         -> the folder's library
#   foo_test.cc    -> the folder's GoogleTest binary, every test registered with ctest
#   foo_fuzz.cc    -> a libFuzzer target (PXELAB_FUZZ=ON, clang) or, otherwise, a replay
#                     binary that runs the target over fuzz_corpus/foo/ as a ctest test
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

# pxelab_library(NAME DEPS <libs...> TEST_DEPS <libs...>)
function(pxelab_library name)
  cmake_parse_arguments(ARG "" "" "DEPS;TEST_DEPS" ${ARGN})
  set(dir ${CMAKE_CURRENT_SOURCE_DIR})
  file(GLOB srcs CONFIGURE_DEPENDS ${dir}/*.cc)
  list(FILTER srcs EXCLUDE REGEX "(_test|_fuzz|_main|_bench)\\.cc$")
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

  file(GLOB tests CONFIGURE_DEPENDS ${dir}/*_test.cc)
  if(tests AND PXELAB_TESTS AND NOT PXELAB_FUZZ)
    add_executable(${name}_test ${tests})
    target_link_libraries(${name}_test PRIVATE ${name} ${ARG_TEST_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
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
