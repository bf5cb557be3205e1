# cmake -DIN=file -DOUT=file.inc -P embed_file.cmake: writes IN's bytes as a C array
# initializer list ("0x3c,0x21,..."), for `constexpr char k[] = {#include "file.inc" 0};`
# (report.html's template lives as HTML/JS, not as a C++ string).
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp" "${bytes}\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
