// From loaded routing documents to the routing core's models: the network with a
// UtcOffsetSchedule per node read from the tz database for a horizon, the policy
// resolved against that network, both joined into a RoutingModel, and the inventory
// snapshot as an InventoryTable indexed like the network's catalog.
//
// The horizon bounds the instants a promise can be computed for (promise.h rule 0): an
// order placed outside [from_utc, until_utc - kPromiseSearchDays] may find its
// promise outside the schedule. A gateway compiles with [now - 1 day, now + 400 days]
// and recompiles long before the end; `edgeroute route` compiles for the span of the
// orders it reads.
//
// Thread-safety: pure functions; allocate freely (load time, not routing time).
#pragma once

#include <memory>

#include "edgeroute/base/result.h"
#include "edgeroute/routing/capacity_counters.h"
#include "edgeroute/routing/fbs/inventory_generated.h"
#include "edgeroute/routing/inventory_table.h"
#include "edgeroute/routing/network_model.h"
#include "edgeroute/routing/policy_model.h"
#include "edgeroute/routing/routing_model.h"

namespace edgeroute::routing::io {

struct OffsetHorizon {
  UnixSeconds from_utc = 0;
  UnixSeconds until_utc = 0;

  // [earliest - 1 day, latest + days_after days).
  static OffsetHorizon around(UnixSeconds earliest_utc, UnixSeconds latest_utc,
                              int days_after = 400);
};

// Errors name the node whose time zone or calendar could not be compiled.
Result<std::shared_ptr<const NetworkModel>> compile_network(
    const fbs::Network& network, std::shared_ptr<const Geography> geography, OffsetHorizon horizon);

Result<std::shared_ptr<const PolicyModel>> compile_policy(const fbs::Policy& policy,
                                                          const NetworkModel& network);

// The inventory snapshot as a table over the network's catalog. Records naming a node
// or SKU the network does not have are errors (load_inventory_json reports them first).
Result<InventoryTable> compile_inventory(const fbs::InventorySnapshot& inventory,
                                         const NetworkModel& network);

}  // namespace edgeroute::routing::io
