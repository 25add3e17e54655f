// The real binaries on loopback, mutual TLS on: `edgeroute serve` with sync configured,
// and `edgeroute-central serve`. Orders stream into the gateway while central is killed
// with -9 and restarted, and the gateway itself is killed with -9 and restarted, round
// after round. A client-side ledger records every decision the gateway acknowledged. At
// the end central must hold the gateway's journal exactly as the gateway wrote it: every
// sequence from 1 to the last once, no gap, the same bytes, and each acknowledged
// decision in it once.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "edgeroute/journal/journal.h"
#include "edgeroute/protocol/blocking_client.h"
#include "edgeroute/protocol/builders.h"
#include "edgeroute/routing/fbs/decision_generated.h"
#include "edgeroute/sync/central_store.h"
#include "edgeroute/testing/command_run.h"
#include "edgeroute/testing/example_gateway.h"
#include "edgeroute/testing/temporary_directory.h"

namespace edgeroute {
namespace {

constexpr auto kTimeout = std::chrono::seconds(20);
const std::string kPki = EDGEROUTE_SYNC_PKI_DIR;
constexpr const char* kGatewayId = "gw-test-1";
const std::vector<std::string> kSkus = {"sku-tent-2p", "sku-headlamp", "sku-stove-fuel"};

class Central : public testing::ChildProcess {
 public:
  Central(const std::string& database, std::uint16_t port)
      : ChildProcess({EDGEROUTE_CENTRAL_BINARY, "serve", "--db", database, "--port",
                      std::to_string(port), "--ca", kPki + "/ca.pem", "--certificate",
                      kPki + "/central.pem", "--private-key", kPki + "/central.key"},
                     "central.listening") {}
};

class Gateway : public testing::ExampleGatewayProcess {
 public:
  Gateway(const std::string& config, bool first_start)
      : ExampleGatewayProcess(EDGEROUTE_BINARY, config, first_start) {}
};

// Streams orders, 16 in flight, until the connection breaks; records what was decided.
void drive(std::uint16_t port, int round, std::map<std::string, bool>& acknowledged,
           std::mt19937& random) {
  Result<protocol::BlockingClient> client =
      protocol::BlockingClient::connect("127.0.0.1", port, kTimeout);
  ASSERT_TRUE(client) << client.status().to_string();
  std::map<std::uint64_t, std::string> in_flight;
  for (std::uint64_t next_id = 1;;) {
    while (in_flight.size() < 16) {
      const std::uint64_t id = next_id++;
      const std::string order_id = "r" + std::to_string(round) + "-" + std::to_string(id);
      if (!client
               ->send(protocol::build_route_order(
                   id, testing::one_unit_order(order_id, kSkus[random() % kSkus.size()])))
               .is_ok())
        return;
      in_flight[id] = order_id;
    }
    Result<protocol::ReceivedResponse> response = client->receive(kTimeout);
    if (!response) return;  // the gateway was killed
    const auto found = in_flight.find(response->request_id());
    ASSERT_NE(found, in_flight.end());
    if (const auto* routed = response->response().body_as_RouteOrderResult()) {
      const auto* decision = routing::fbs::GetDecision(routed->decision()->data());
      acknowledged[found->second] = decision->outcome() != routing::fbs::Outcome::rejected;
    }
    in_flight.erase(found);
  }
}

// The gateway's journal position and central's acknowledged mark, as `edgeroute status`
// reports them.
std::pair<std::uint64_t, std::uint64_t> journal_and_acknowledged(std::uint16_t port) {
  Result<protocol::BlockingClient> client =
      protocol::BlockingClient::connect("127.0.0.1", port, kTimeout);
  if (!client || !client->send(protocol::build_gateway_status_request(1)).is_ok()) return {1, 0};
  Result<protocol::ReceivedResponse> response = client->receive(kTimeout);
  if (!response || response->response().body_as_GatewayStatus() == nullptr) return {1, 0};
  const auto* status = response->response().body_as_GatewayStatus();
  return {status->journal_last_sequence(), status->journal_acknowledged_sequence()};
}

// Central's database with the gateway registered, central running, and the gateway's
// configuration pointing at it.
class SyncProcesses : public ::testing::Test {
 protected:
  void SetUp() override {
    const testing::CommandRun registered =
        central_command(std::string("gateway add ") + kGatewayId + " --certificate '" + kPki + "/" +
                        kGatewayId + ".pem'");
    ASSERT_EQ(registered.exit_status, 0) << registered.err;
    EXPECT_NE(registered.out.find("gateway gw-test-1 registered: certificate sha256 "),
              std::string::npos)
        << registered.out;
    central = std::make_unique<Central>(database, 0);
    central_port = central->port();
    ASSERT_NE(central_port, 0);
    std::ofstream file(config);
    file << R"({ "schema_version": 1, "device_profile": "x86-dev", "gateway_id": ")" << kGatewayId
         << R"(", "served_node_ids": ["fc-reno-1"], "orders": { "address": "127.0.0.1", "port": 0 },
      "ops": { "address": "127.0.0.1", "port": 0 }, "sync": { "address": "127.0.0.1", "port": 0 },
      "data_dir": ")"
         << directory / "data"
         << R"(", "central": { "host": "127.0.0.1", "port": )" << central_port
         << R"(, "server_name": "localhost", "ca_certificate": ")" << kPki
         << R"(/ca.pem", "certificate": ")" << kPki << "/" << kGatewayId
         << R"(.pem", "private_key": ")" << kPki << "/" << kGatewayId << R"(.key" },
      "wan_interface": "lo",
      "policy_trust_anchor": "58VMtSJaH3diZ7aOlqRhIKv6AWQJtvoTo3hEX0VZwnE=" })";
  }

  // `edgeroute-central <arguments> --db <database>`, as an operator types it.
  testing::CommandRun central_command(const std::string& arguments) {
    return testing::run_command(
        std::string(EDGEROUTE_CENTRAL_BINARY) + " " + arguments + " --db '" + database + "'",
        directory / "central-command.err");
  }

  // Waits until central holds the whole of the running gateway's journal; its length.
  std::uint64_t synced(std::uint16_t gateway_port) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
      const auto [newest, held] = journal_and_acknowledged(gateway_port);
      if (newest == held) return newest;
      if (std::chrono::steady_clock::now() > give_up) {
        ADD_FAILURE() << "central holds " << held << " of " << newest << " entries";
        return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  testing::TemporaryDirectory directory{"sync-processes"};
  const std::string database = directory / "central.db";
  const std::string config = directory / "gateway.json";
  std::unique_ptr<Central> central;
  std::uint16_t central_port = 0;
};

TEST_F(SyncProcesses, KillingEitherSideMidStreamLeavesCentralWithTheJournalExactlyOnce) {
  std::map<std::string, bool> acknowledged;  // order id -> the decision holds stock
  std::mt19937 random(20261124);
  constexpr int kRounds = 4;
  for (int round = 0; round < kRounds; ++round) {
    Gateway gateway(config, round == 0);
    ASSERT_NE(gateway.port(), 0);
    // Central dies -9 once in the round and comes back on its port; the gateway dies -9
    // at the end of it. The moments are drawn here: `random` belongs to this thread.
    const auto central_dies = std::chrono::milliseconds(50 + random() % 200);
    const auto central_down = std::chrono::milliseconds(random() % 150);
    const auto gateway_dies = std::chrono::milliseconds(100 + random() % 200);
    std::thread killer([&] {
      std::this_thread::sleep_for(central_dies);
      const int status = central->kill(SIGKILL);
      EXPECT_TRUE(WIFSIGNALED(status));
      std::this_thread::sleep_for(central_down);
      central = std::make_unique<Central>(database, central_port);
      std::this_thread::sleep_for(gateway_dies);
      const int gateway_status = gateway.kill(SIGKILL);
      EXPECT_TRUE(WIFSIGNALED(gateway_status));
    });
    drive(gateway.port(), round, acknowledged, random);
    killer.join();
  }

  // Once both run undisturbed, central catches up with the whole journal.
  std::uint64_t journal_last = 0;
  {
    Gateway gateway(config, false);
    journal_last = synced(gateway.port());
    ASSERT_GT(journal_last, 0U);
    const testing::CommandRun shown = testing::run_command(
        std::string(EDGEROUTE_BINARY) + " status --to 127.0.0.1:" + std::to_string(gateway.port()),
        directory / "status.err");
    EXPECT_EQ(shown.exit_status, 0) << shown.err;
    EXPECT_NE(shown.out.find(fmt::format(
                  "sync: connected, central holds {0} of {0} journal entries", journal_last)),
              std::string::npos)
        << shown.out;
    const int status = gateway.kill(SIGTERM);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  const int central_status = central->kill(SIGTERM);
  EXPECT_TRUE(WIFEXITED(central_status) && WEXITSTATUS(central_status) == 0)
      << "central did not exit cleanly on SIGTERM: " << central_status;

  // What central's operators see.
  const testing::CommandRun listed = central_command("gateways");
  ASSERT_EQ(listed.exit_status, 0) << listed.err;
  EXPECT_NE(listed.out.find(fmt::format("{:<24} {:>14} {:>10}", kGatewayId, journal_last, 0)),
            std::string::npos)
      << listed.out;

  // The gateway's journal, entry by entry, against central's copy.
  journal::JournalOptions options;
  options.path = directory / "data/journal.db";
  options.gateway_id = kGatewayId;
  options.read_only = true;
  auto journal = journal::Journal::open(options);
  ASSERT_TRUE(journal) << journal.status().to_string();
  std::vector<std::vector<std::uint8_t>> written;
  ASSERT_TRUE((*journal)
                  ->read(1,
                         [&](const journal::StoredEntry& entry) {
                           written.emplace_back(entry.payload.begin(), entry.payload.end());
                           return Status::ok();
                         })
                  .is_ok());
  ASSERT_EQ(written.size(), journal_last);

  auto store = sync::open_sqlite_central_store(database);
  ASSERT_TRUE(store) << store.status().to_string();
  std::uint64_t expected = 1;
  std::map<std::string, int> decisions_at_central;
  ASSERT_TRUE((*store)
                  ->read_journal(kGatewayId, 1,
                                 [&](const journal::StoredEntry& entry) {
                                   EXPECT_EQ(entry.sequence, expected) << "a gap or a repeat";
                                   if (entry.sequence <= written.size()) {
                                     EXPECT_TRUE(std::equal(entry.payload.begin(),
                                                            entry.payload.end(),
                                                            written[entry.sequence - 1].begin(),
                                                            written[entry.sequence - 1].end()))
                                         << "entry " << entry.sequence << " differs";
                                   }
                                   if (entry.kind == journal::EntryKind::decision)
                                     ++decisions_at_central[std::string(entry.order_id)];
                                   ++expected;
                                   return Status::ok();
                                 })
                  .is_ok());
  EXPECT_EQ(expected - 1, journal_last) << "central does not hold the whole journal";
  std::size_t holding_stock = 0;
  for (const auto& [order_id, holds_stock] : acknowledged) {
    if (!holds_stock) continue;
    ++holding_stock;
    EXPECT_EQ(decisions_at_central[order_id], 1) << order_id;
  }
  EXPECT_GT(holding_stock, 50U) << "too little load to prove anything";
  std::cout << acknowledged.size() << " decisions acknowledged over " << kRounds
            << " rounds (each killing central and the gateway); central holds all " << journal_last
            << " journal entries once\n";
}

}  // namespace
}  // namespace edgeroute

namespace edgeroute {
namespace {

// On-hand of `sku` at fc-reno-1, as the running gateway reports it.
std::int32_t on_hand(std::uint16_t gateway_port, const std::string& sku) {
  Result<protocol::BlockingClient> client =
      protocol::BlockingClient::connect("127.0.0.1", gateway_port, kTimeout);
  EXPECT_TRUE(client) << client.status().to_string();
  if (!client || !client->send(protocol::build_query_inventory(1, sku)).is_ok()) return -1;
  Result<protocol::ReceivedResponse> response = client->receive(kTimeout);
  if (!response || response->response().body_as_InventoryState() == nullptr) return -1;
  for (const auto* level : *response->response().body_as_InventoryState()->levels()) {
    if (level->node_id()->str() == "fc-reno-1") return level->on_hand();
  }
  return -1;
}

TEST_F(SyncProcesses, ADeltaFromCentralReachesTheGatewaysStockOnceAndARefusalIsAConflict) {
  std::int32_t before = 0;
  {
    Gateway gateway(config, true);
    before = on_hand(gateway.port(), "sku-tent-2p");
    ASSERT_GE(before, 0);
    const testing::CommandRun added = central_command(
        "inventory adjust --gateway gw-test-1 --node fc-reno-1 --sku sku-tent-2p --units 7 "
        "--reason 'PO 4711'");
    ASSERT_EQ(added.exit_status, 0) << added.err;
    EXPECT_NE(added.out.find("delta 1 for gateway gw-test-1: +7 units of sku-tent-2p at "
                             "fc-reno-1; pending until the gateway applies it"),
              std::string::npos)
        << added.out;
    const testing::CommandRun damaged = central_command(
        "inventory adjust --gateway gw-test-1 --node fc-reno-1 --sku sku-tent-2p --units -2 "
        "--reason write-off");
    ASSERT_EQ(damaged.exit_status, 0) << damaged.err;
    const testing::CommandRun unknown = central_command(
        "inventory adjust --gateway gw-test-1 --node fc-reno-1 --sku sku-nowhere --units 3");
    ASSERT_EQ(unknown.exit_status, 0) << unknown.err;

    // Applied at the gateway, then known at central from the replayed journal entry.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (central_command("inventory deltas --state applied").out.find("write-off") ==
               std::string::npos ||
           central_command("inventory deltas --state applied").out.find("PO 4711") ==
               std::string::npos ||
           central_command("conflicts").out.find("sku-nowhere") == std::string::npos) {
      ASSERT_LT(std::chrono::steady_clock::now(), give_up)
          << central_command("inventory deltas").out;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(on_hand(gateway.port(), "sku-tent-2p"), before + 7 - 2);
    const int status = gateway.kill(SIGKILL);
    EXPECT_TRUE(WIFSIGNALED(status));
  }
  // Restarted, the gateway holds the adjustment from its journal and central does not
  // send it again: applied once.
  central->kill(SIGKILL);
  central = std::make_unique<Central>(database, central_port);
  {
    Gateway gateway(config, false);
    ASSERT_GT(synced(gateway.port()), 0U);
    EXPECT_EQ(on_hand(gateway.port(), "sku-tent-2p"), before + 7 - 2);
  }
  const testing::CommandRun conflicts = central_command("conflicts");
  EXPECT_NE(conflicts.out.find("no SKU 'sku-nowhere' in this gateway's catalog"), std::string::npos)
      << conflicts.out;
  const testing::CommandRun applied = central_command("inventory deltas --state applied");
  EXPECT_NE(applied.out.find("+7  applied"), std::string::npos) << applied.out;
  EXPECT_NE(applied.out.find("-2  applied"), std::string::npos) << applied.out;
}

}  // namespace
}  // namespace edgeroute
