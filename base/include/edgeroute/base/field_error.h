// FieldError: one reason a document a person wrote (gateway configuration, network,
// policy, order) was rejected, as the field it concerns and why
// ("orders.port" + "70000 is not a TCP port", "nodes[3].time_zone" + "'Mars/Base' is
// not an IANA time zone"). Errors about the document as a whole (it cannot be read,
// its JSON is malformed) have an empty path and say where in the text, as
// "line 3, column 12: unknown field: prot".
//
// Thread-safety: a value type.
#pragma once

#include <string>

namespace edgeroute {

struct FieldError {
  std::string path;  // dotted field path with indices: "served_node_ids[2]"; may be empty
  std::string message;

  // "path: message", or just the message when there is no path.
  std::string to_string() const;

  friend bool operator==(const FieldError&, const FieldError&) = default;
};

}  // namespace edgeroute
