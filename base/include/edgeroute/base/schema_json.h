// SchemaJson: JSON text <-> FlatBuffers buffers for one root type, through FlatBuffers'
// own parser and text generator, driven by the schema in its binary form (.bfbs, which
// carries every included schema). Used wherever a person writes or reads a schema's
// data by hand: gateway configuration, networks, policies, orders, decisions.
//
// Parse errors are worded "line 3, column 12: unknown field: prot" (FlatBuffers'
// position; its column points just past the offending token). The dialect is
// FlatBuffers' JSON with its strict_json option: keys quoted, no trailing commas,
// unknown and repeated fields refused; it also accepts what plain JSON does not —
// // and /* */ comments, single-quoted strings, numbers written as strings, hex
// numbers — which is harmless for hand-written files because every value is then
// validated by its owner. "" and [] stay present (validation, not the parser, decides
// whether they are allowed).
//
// Thread-safety: a SchemaJson is immutable; each call builds its own parser, so any
// thread may call it concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edgeroute/base/result.h"

namespace edgeroute {

// How to_json() writes: indented for people or on one line (JSON Lines); with every
// scalar field, or without those equal to their schema default (FlatBuffers' habit,
// fine for configuration, confusing in a decision where "outcome": "routed" is the
// default and would vanish).
enum class JsonLayout { indented, one_line };
struct JsonStyle {
  JsonLayout layout = JsonLayout::indented;
  bool include_default_values = false;
};

class SchemaJson {
 public:
  // `binary_schema` is a .bfbs compiled into the binary (edgeroute_binary_schemas in
  // cmake/EdgerouteFlatBuffers.cmake); it must outlive this object. `root_name` names
  // the schema in error messages.
  // REQUIRES: binary_schema is a valid .bfbs (a build defect otherwise; asserts).
  SchemaJson(std::string_view binary_schema, std::string root_name);

  // A finished buffer of the schema's root type, not yet verified against the
  // generated Verifier (callers verify with their typed Verify<Root>Buffer).
  Result<std::vector<std::uint8_t>> parse(std::string_view json) const;

  // The JSON text of a finished buffer of the root type: two-space indent, or one line
  // without a trailing newline.
  Result<std::string> to_json(const std::uint8_t* buffer, JsonStyle style = {}) const;

  const std::string& root_name() const { return root_name_; }

 private:
  std::string_view binary_schema_;
  std::string root_name_;
};

}  // namespace edgeroute
