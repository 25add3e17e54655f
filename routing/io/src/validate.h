// Internal: the rules each routing document must satisfy beyond its schema. Each
// validator appends every violation it finds, in document order.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "edgeroute/base/field_error.h"
#include "edgeroute/routing/fbs/inventory_generated.h"
#include "edgeroute/routing/fbs/network_generated.h"
#include "edgeroute/routing/fbs/policy_generated.h"
#include "edgeroute/routing/geography.h"

namespace edgeroute::routing::io::detail {

class ErrorList {
 public:
  template <typename... Args>
  void add(std::string path, fmt::format_string<Args...> format, Args&&... args) {
    errors_.push_back({std::move(path), fmt::format(format, std::forward<Args>(args)...)});
  }
  bool empty() const { return errors_.empty(); }
  std::vector<FieldError> take() { return std::move(errors_); }

 private:
  std::vector<FieldError> errors_;
};

// Position of each id in its list, for references between documents.
using IdIndex = std::unordered_map<std::string_view, std::size_t>;
IdIndex node_index(const fbs::Network& network);
IdIndex sku_index(const fbs::Network& network);

void validate_network(const fbs::Network& network, const Geography& geography, ErrorList& errors);
void validate_inventory(const fbs::InventorySnapshot& inventory, const fbs::Network& network,
                        ErrorList& errors);
void validate_policy(const fbs::Policy& policy, const fbs::Network& network, ErrorList& errors);

}  // namespace edgeroute::routing::io::detail
