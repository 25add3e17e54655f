# cmake -P script: writes OUTPUT, a C++ source that returns INPUT's bytes as
# `std::string_view NAMESPACE::SYMBOL()`. Bytes are emitted as a hex array so
# any content (quotes, raw-string delimiters, NUL) embeds unchanged.
file(READ "${INPUT}" content HEX)
string(LENGTH "${content}" hex_length)
math(EXPR byte_count "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
string(REGEX REPLACE "(('\\\\x[0-9a-f][0-9a-f]',){16})" "\\1\n  " bytes "${bytes}")
file(WRITE "${OUTPUT}"
"// Generated from ${INPUT}; do not edit.
#include <string_view>
namespace ${NAMESPACE} {
namespace {
constexpr char kBytes[] = {
  ${bytes}'\\0'};
}  // namespace
std::string_view ${SYMBOL}() { return {kBytes, ${byte_count}}; }
}  // namespace ${NAMESPACE}
")
