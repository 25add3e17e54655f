// A whole gateway served over TCP in process, for the tests that speak to it as a
// warehouse client does: a real journal on disk, the state restored from it (on a new
// journal, from the shipped example network, policy and inventory), the pipeline and the
// server. Restarting is constructing another on the same journal, which is how those
// tests check that nothing acknowledged is lost.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/gateway/gateway.h"
#include "edgeroute/gateway/gateway_state.h"
#include "edgeroute/gateway/server.h"
#include "edgeroute/hal/clock.h"
#include "edgeroute/hal/sim/sim_clock.h"
#include "edgeroute/journal/journal.h"
#include "edgeroute/protocol/blocking_client.h"
#include "edgeroute/protocol/frame.h"
#include "edgeroute/routing/fbs/decision_generated.h"
#include "edgeroute/testing/temporary_directory.h"

namespace edgeroute::gateway::test_support {

// How long a client waits for a connection or an answer before the test fails.
inline constexpr auto kTimeout = std::chrono::seconds(10);

// Declared outside RunningGateway so that it can be a defaulted constructor argument.
struct RunningGatewayOptions {
  // Caps the journal the way a full disk would; 0 leaves it uncapped.
  std::uint32_t max_page_count = 0;
  // Baseline documents for a new journal; empty takes the shipped example. A restart
  // takes the journal's own state, whatever these say.
  std::string policy_json;
  std::string inventory_json;
  // The key policy bundles must be signed with, and how trials are judged.
  sync::Ed25519PublicKey policy_trust_anchor{};
  PolicyTrialOptions policy_trial;
  // The nodes the gateway homes when it syncs with central (escrow_ledger.h); empty:
  // escrow off, every node homed here.
  std::vector<std::string> homed_node_ids;
};

class RunningGateway {
 public:
  using Options = RunningGatewayOptions;

  RunningGateway(const std::string& journal_path, hal::Clock& clock, Options options = {});
  RunningGateway(const RunningGateway&) = delete;
  RunningGateway& operator=(const RunningGateway&) = delete;
  ~RunningGateway();

  // A client connected to this gateway's server; a failure to connect fails the test.
  protocol::BlockingClient connect() const;
  GatewayState& state() { return *state_; }
  Gateway& gateway() { return *gateway_; }
  // Where the server listens (127.0.0.1), for clients other than connect()'s.
  std::uint16_t port() const;

 private:
  std::unique_ptr<journal::Journal> journal_;
  std::unique_ptr<GatewayState> state_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<Server> server_;
};

// A test's own directory for its journal, and a SimClock at 2026-11-24T15:04:05Z: the
// example orders are stamped that day, so the gateway decides them the day they were
// placed. A suite's fixture derives from it and names its directory.
class GatewayOnDisk : public ::testing::Test {
 protected:
  explicit GatewayOnDisk(const std::string& purpose);
  std::string journal_path() const { return directory / "journal.db"; }

  edgeroute::testing::TemporaryDirectory directory;
  hal::SimClock clock;
};

// Sends `request` and waits for its answer; a send or receive failure fails the test.
protocol::ReceivedResponse ask(protocol::BlockingClient& client, const protocol::Frame& request);

// The decision a RouteOrderResult carries; any other answer fails the test.
const routing::fbs::Decision& decision_in(const protocol::ReceivedResponse& response);

}  // namespace edgeroute::gateway::test_support
