// RoutingFixture: a network, inventory and policy written as JSON in a test, loaded the
// way `edgeroute route` loads them (routing_io: parse, validate, compile with the tz
// database), with capacity counters beside them, and orders resolved from JSON. A test
// reads like the documents a person would write, and exercises the real load path.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "edgeroute/base/field_error.h"
#include "edgeroute/routing/io/compile.h"
#include "edgeroute/routing/io/load.h"
#include "edgeroute/routing/order_request.h"

namespace edgeroute::routing::testing {

inline std::shared_ptr<const Geography> shared_geography() {
  static const std::shared_ptr<const Geography> geography =
      std::make_shared<const Geography>(std::move(Geography::load_embedded()).value());
  return geography;
}

inline std::string describe_errors(const std::vector<FieldError>& errors) {
  std::string text;
  for (const FieldError& error : errors) text += error.to_string() + "\n";
  return text;
}

class RoutingFixture {
 public:
  // Fails the current test (and returns nullopt) when a document does not load; the
  // message names the document and every problem. Offsets are compiled for orders
  // placed within a year of `orders_around_utc`.
  static std::optional<RoutingFixture> load(std::string_view network_json,
                                            std::string_view inventory_json,
                                            std::string_view policy_json,
                                            UnixSeconds orders_around_utc) {
    RoutingFixture fixture;
    auto network = io::load_network_json(network_json, *shared_geography());
    if (!network) {
      ADD_FAILURE() << "network: " << describe_errors(network.errors());
      return std::nullopt;
    }
    fixture.network_document_ = std::make_shared<io::NetworkDocument>(std::move(network).value());
    const fbs::Network& root = fixture.network_document_->root();
    auto inventory = io::load_inventory_json(inventory_json, root);
    if (!inventory) {
      ADD_FAILURE() << "inventory: " << describe_errors(inventory.errors());
      return std::nullopt;
    }
    auto policy = io::load_policy_json(policy_json, root);
    if (!policy) {
      ADD_FAILURE() << "policy: " << describe_errors(policy.errors());
      return std::nullopt;
    }
    auto network_model = io::compile_network(
        root, shared_geography(), io::OffsetHorizon::around(orders_around_utc, orders_around_utc));
    if (!network_model) {
      ADD_FAILURE() << "network model: " << network_model.status().to_string();
      return std::nullopt;
    }
    auto policy_model = io::compile_policy(policy->root(), **network_model);
    if (!policy_model) {
      ADD_FAILURE() << "policy model: " << policy_model.status().to_string();
      return std::nullopt;
    }
    auto model = RoutingModel::create(*network_model, *policy_model);
    auto table = io::compile_inventory(inventory->root(), **network_model);
    if (!model || !table) {
      ADD_FAILURE() << "model or inventory table did not build";
      return std::nullopt;
    }
    fixture.model_ = std::make_shared<RoutingModel>(std::move(model).value());
    fixture.inventory_ = std::make_shared<InventoryTable>(std::move(table).value());
    fixture.capacity_ = std::make_shared<CapacityCounters>((*network_model)->node_count());
    return fixture;
  }

  const RoutingModel& model() const { return *model_; }
  const NetworkModel& network() const { return model_->network(); }
  InventoryTable& inventory() const { return *inventory_; }
  CapacityCounters& capacity() const { return *capacity_; }

  // The order parsed and resolved; its document lives as long as the fixture.
  OrderResolution resolve(std::string_view order_json) {
    auto order = io::parse_order_json(order_json);
    if (!order) {
      ADD_FAILURE() << "order: " << order.status().to_string();
      return {};
    }
    orders_->push_back(std::move(order).value());
    return resolve_order(orders_->back().root(), network());
  }
  // resolve(), expecting an order the router can plan.
  OrderRequest order(std::string_view order_json) {
    const OrderResolution resolution = resolve(order_json);
    EXPECT_TRUE(resolution.ok()) << describe(resolution.problem);
    return resolution.request;
  }

  std::uint32_t node_index(std::string_view id) const { return network().find_node(id).value(); }
  std::uint32_t sku_index(std::string_view id) const { return network().find_sku(id).value(); }
  const InventoryCell& cell(std::string_view node, std::string_view sku) const {
    const InventoryCell* found = inventory_->find(sku_index(sku), node_index(node));
    EXPECT_NE(found, nullptr) << node << " does not stock " << sku;
    return *found;
  }

 private:
  RoutingFixture() = default;

  std::shared_ptr<io::NetworkDocument> network_document_;
  std::shared_ptr<RoutingModel> model_;
  std::shared_ptr<InventoryTable> inventory_;
  std::shared_ptr<CapacityCounters> capacity_;
  std::shared_ptr<std::deque<io::OrderDocument>> orders_ =
      std::make_shared<std::deque<io::OrderDocument>>();
};

}  // namespace edgeroute::routing::testing
