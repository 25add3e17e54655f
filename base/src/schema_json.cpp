#include "edgeroute/base/schema_json.h"

#include <charconv>
#include <memory>

#include <flatbuffers/idl.h>
#include <fmt/format.h>

#include "edgeroute/base/assert.h"

namespace edgeroute {
namespace {

flatbuffers::IDLOptions parser_options(JsonStyle style = {}) {
  flatbuffers::IDLOptions options;
  // Keep "" and [] as written: an explicitly empty field is present (and then
  // rejected by validation with a precise message), not silently absent.
  options.set_empty_strings_to_null = false;
  options.set_empty_vectors_to_null = false;
  // Output side: real JSON that any tool (and this parser) reads back, UTF-8 as is.
  options.strict_json = true;
  options.natural_utf8 = true;
  // A negative step is FlatBuffers' "no line breaks".
  options.indent_step = style.layout == JsonLayout::indented ? 2 : -1;
  options.output_default_scalars_in_json = style.include_default_values;
  return options;
}

// Reads a leading decimal number followed by ": " and advances past both.
bool take_number(std::string_view& text, int& number) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc{}) return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  if (!text.starts_with(": ")) return false;
  text.remove_prefix(2);
  return true;
}

// FlatBuffers reports "<line>: <column>: error: <what>" (after any warnings, one per
// line); this words it as "line <line>, column <column>: <what>".
std::string reword_parser_error(std::string_view error) {
  while (error.ends_with('\n')) error.remove_suffix(1);
  const std::size_t last_line_start = error.rfind('\n');
  const std::string_view text =
      last_line_start == std::string_view::npos ? error : error.substr(last_line_start + 1);
  int line = 0;
  int column = 0;
  std::string_view rest = text;
  if (!take_number(rest, line) || !take_number(rest, column)) return std::string(text);
  if (rest.starts_with("error: ")) rest.remove_prefix(7);
  return fmt::format("line {}, column {}: {}", line, column, rest);
}

Status invalid(std::string message) {
  return {StatusCode::invalid_argument, std::move(message)};
}

}  // namespace

SchemaJson::SchemaJson(std::string_view binary_schema, std::string root_name)
    : binary_schema_(binary_schema), root_name_(std::move(root_name)) {}

namespace {

std::unique_ptr<flatbuffers::Parser> make_parser(std::string_view binary_schema,
                                                 const std::string& root_name,
                                                 JsonStyle style = {}) {
  auto parser = std::make_unique<flatbuffers::Parser>(parser_options(style));
  // The schema is compiled in and exercised by every test; failing here is a build defect.
  const bool loaded = parser->Deserialize(
      reinterpret_cast<const std::uint8_t*>(binary_schema.data()), binary_schema.size());
  EDGEROUTE_ASSERT(loaded, fmt::format("the embedded schema of {} does not load", root_name));
  return parser;
}

}  // namespace

Result<std::vector<std::uint8_t>> SchemaJson::parse(std::string_view json) const {
  if (const std::size_t nul = json.find('\0'); nul != std::string_view::npos) {
    return invalid(fmt::format("byte {}: NUL is not allowed in JSON text", nul));
  }
  auto parser = make_parser(binary_schema_, root_name_);
  const std::string text(json);  // the parser needs a NUL-terminated copy
  if (!parser->ParseJson(text.c_str())) return invalid(reword_parser_error(parser->error_));
  const std::uint8_t* data = parser->builder_.GetBufferPointer();
  return std::vector<std::uint8_t>(data, data + parser->builder_.GetSize());
}

Result<std::string> SchemaJson::to_json(const std::uint8_t* buffer, JsonStyle style) const {
  auto parser = make_parser(binary_schema_, root_name_, style);
  std::string text;
  if (!flatbuffers::GenerateText(*parser, buffer, &text)) {
    return invalid("a string is not valid UTF-8, which JSON cannot carry");
  }
  return text;
}

}  // namespace edgeroute
