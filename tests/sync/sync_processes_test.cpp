// The real binaries on loopback, mutual TLS on: `edgeroute serve` with sync configured,
// and `edgeroute-central serve`. Orders stream into the gateway while central is killed
// with -9 and restarted, and the gateway itself is killed with -9 and restarted, round
// after round. A client-side ledger records every decision the gateway acknowledged. At
// the end central must hold the gateway's journal exactly as the gateway wrote it: every
// sequence from 1 to the last once, no gap, the same bytes, and each acknowledged
// decision in it once. And signed policy push between the two: refusals, a trial that
// survives a kill -9, a rollback, each answer known at central; a node closed at
// central during an outage, routed around once the link is back until central reopens it;
// and two gateways sharing a partner's stock through escrow, cut off from central, selling
// no more than central had.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

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
    // Central's policy signing key; the gateway trusts its public half.
    const testing::CommandRun keygen = testing::run_command(
        std::string(EDGEROUTE_CENTRAL_BINARY) + " policy keygen --secret-key '" + signing_key + "'",
        directory / "keygen.err");
    ASSERT_EQ(keygen.exit_status, 0) << keygen.err;
    const std::string anchor_field = "\"policy_trust_anchor\": \"";
    const std::size_t anchor_at = keygen.out.find(anchor_field);
    ASSERT_NE(anchor_at, std::string::npos) << keygen.out;
    trust_anchor = keygen.out.substr(
        anchor_at + anchor_field.size(),
        keygen.out.find('"', anchor_at + anchor_field.size()) - anchor_at - anchor_field.size());
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
    // This gateway homes every node: escrow plays no part in these tests but one.
    write_config(config, kGatewayId, R"("fc-reno-1", "store-brooklyn-12", "3pl-columbus-2",
                 "dropship-acme")",
                 directory / "data");
  }

  // A gateway configuration that syncs with this central, homing `served_nodes` (a JSON
  // list's items).
  void write_config(const std::string& path, const std::string& gateway_id,
                    const std::string& served_nodes, const std::string& data_dir) const {
    std::ofstream file(path);
    file << R"({ "schema_version": 1, "device_profile": "x86-dev", "gateway_id": ")" << gateway_id
         << R"(", "served_node_ids": [)" << served_nodes
         << R"(], "orders": { "address": "127.0.0.1", "port": 0 },
      "ops": { "address": "127.0.0.1", "port": 0 }, "sync": { "address": "127.0.0.1", "port": 0 },
      "data_dir": ")"
         << data_dir << R"(", "central": { "host": "127.0.0.1", "port": )" << central_port
         << R"(, "server_name": "localhost", "ca_certificate": ")" << kPki
         << R"(/ca.pem", "certificate": ")" << kPki << "/" << gateway_id
         << R"(.pem", "private_key": ")" << kPki << "/" << gateway_id << R"(.key" },
      "wan_interface": "lo",
      "policy_trust_anchor": ")"
         << trust_anchor << R"(" })";
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
  const std::string signing_key = directory / "policy.key";
  const std::string database = directory / "central.db";
  const std::string config = directory / "gateway.json";
  std::unique_ptr<Central> central;
  std::uint16_t central_port = 0;
  std::string trust_anchor;
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

// On-hand of `sku` at `node`, as the running gateway reports it; -1 if it has no record.
std::int32_t on_hand(std::uint16_t gateway_port, const std::string& sku,
                     const std::string& node = "fc-reno-1") {
  Result<protocol::BlockingClient> client =
      protocol::BlockingClient::connect("127.0.0.1", gateway_port, kTimeout);
  EXPECT_TRUE(client) << client.status().to_string();
  if (!client || !client->send(protocol::build_query_inventory(1, sku)).is_ok()) return -1;
  Result<protocol::ReceivedResponse> response = client->receive(kTimeout);
  if (!response || response->response().body_as_InventoryState() == nullptr) return -1;
  for (const auto* level : *response->response().body_as_InventoryState()->levels()) {
    if (level->node_id()->str() == node) return level->on_hand();
  }
  return -1;
}

// The on-hand `inventory homed` lists for the SKU as `gateway_id` reported it; -1 if none.
std::int64_t homed_on_hand(const std::string& listing, const std::string& sku,
                           const std::string& gateway_id = "gw-test-1") {
  std::istringstream lines(listing);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string node;
    std::string listed_sku;
    std::string gateway;
    std::int64_t units = -1;
    if (fields >> node >> listed_sku >> gateway >> units && listed_sku == sku &&
        gateway == gateway_id)
      return units;
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
    // The Brooklyn store has never stocked stove fuel: the delta starts its record.
    ASSERT_EQ(on_hand(gateway.port(), "sku-stove-fuel", "store-brooklyn-12"), -1);
    const testing::CommandRun first = central_command(
        "inventory adjust --gateway gw-test-1 --node store-brooklyn-12 --sku sku-stove-fuel "
        "--units 9 --reason 'first delivery'");
    ASSERT_EQ(first.exit_status, 0) << first.err;

    // Applied at the gateway, then known at central from the replayed journal entry.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (central_command("inventory deltas --state applied").out.find("write-off") ==
               std::string::npos ||
           central_command("inventory deltas --state applied").out.find("PO 4711") ==
               std::string::npos ||
           central_command("inventory deltas --state applied").out.find("first delivery") ==
               std::string::npos ||
           central_command("conflicts").out.find("sku-nowhere") == std::string::npos) {
      ASSERT_LT(std::chrono::steady_clock::now(), give_up)
          << central_command("inventory deltas").out;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(on_hand(gateway.port(), "sku-tent-2p"), before + 7 - 2);
    EXPECT_EQ(on_hand(gateway.port(), "sku-stove-fuel", "store-brooklyn-12"), 9);
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
    EXPECT_EQ(on_hand(gateway.port(), "sku-stove-fuel", "store-brooklyn-12"), 9);
    // Central's stock of record of the gateway's own nodes comes from its stock report,
    // sent once the session has caught up: the deltas are in it.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (homed_on_hand(central_command("inventory homed --node store-brooklyn-12").out,
                         "sku-stove-fuel") != 9 ||
           homed_on_hand(central_command("inventory homed --node fc-reno-1").out, "sku-tent-2p") !=
               before + 7 - 2) {
      ASSERT_LT(std::chrono::steady_clock::now(), give_up)
          << central_command("inventory homed").out;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
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

namespace edgeroute {
namespace {

// The shipped example policy (version 7, the gateway's baseline) under another version.
std::string write_policy(const std::string& path, std::uint64_t version) {
  std::ifstream example(std::string(EDGEROUTE_SOURCE_DIR) + "/routing/examples/policy.json");
  std::string json((std::istreambuf_iterator<char>(example)), std::istreambuf_iterator<char>());
  const std::string from = "\"version\": 7,";
  json.replace(json.find(from), from.size(), fmt::format("\"version\": {},", version));
  std::ofstream(path) << json;
  return path;
}

// One character of the policy inside a stored bundle changed, as someone with write
// access to central's database (but not its signing key) might.
void tamper_with_stored_policy(const std::string& database, std::uint64_t version) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(database.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* read = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT signed_bundle FROM policies WHERE version = ?", -1,
                               &read, nullptr),
            SQLITE_OK);
  sqlite3_bind_int64(read, 1, static_cast<sqlite3_int64>(version));
  ASSERT_EQ(sqlite3_step(read), SQLITE_ROW);
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(read, 0));
  std::string bundle(bytes, static_cast<std::size_t>(sqlite3_column_bytes(read, 0)));
  sqlite3_finalize(read);
  const std::size_t at = bundle.find("\"split_cents\": 600");
  ASSERT_NE(at, std::string::npos);
  bundle[at + 15] = '9';
  sqlite3_stmt* write = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE policies SET signed_bundle = ? WHERE version = ?", -1,
                               &write, nullptr),
            SQLITE_OK);
  sqlite3_bind_blob(write, 1, bundle.data(), static_cast<int>(bundle.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(write, 2, static_cast<sqlite3_int64>(version));
  EXPECT_EQ(sqlite3_step(write), SQLITE_DONE);
  sqlite3_finalize(write);
  sqlite3_close(db);
}

TEST_F(SyncProcesses, OnlyASignedNewerPolicyRoutesAndEveryGatewayAnswerReachesCentral) {
  const auto wait_for = [&](const std::string& command, const std::string& wanted) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
      const testing::CommandRun shown = testing::run_command(command, directory / "wait.err");
      if (shown.out.find(wanted) != std::string::npos) return;
      if (std::chrono::steady_clock::now() > give_up) {
        ADD_FAILURE() << "no '" << wanted << "' in:\n" << shown.out << shown.err;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  const std::string central_policies =
      std::string(EDGEROUTE_CENTRAL_BINARY) + " policy status --db '" + database + "'";
  const auto push = [&](std::uint64_t version) {
    const testing::CommandRun pushed = central_command(fmt::format(
        "policy push '{}' --key '{}'",
        write_policy(directory / fmt::format("policy-{}.json", version), version), signing_key));
    EXPECT_EQ(pushed.exit_status, 0) << pushed.err;
  };

  auto gateway = std::make_unique<Gateway>(config, true);
  const auto gateway_policies = [&] {
    return std::string(EDGEROUTE_BINARY) +
           " policy status --to 127.0.0.1:" + std::to_string(gateway->port());
  };
  // A downgrade: below the gateway's version 7. Refused there, and central learns why
  // from the gateway's journal.
  push(5);
  wait_for(central_policies, "policy version 5 is not above 7, the highest accepted");

  // A bundle altered in central's store after it was signed.
  EXPECT_TRUE(WIFEXITED(central->kill(SIGTERM)));
  push(8);
  tamper_with_stored_policy(database, 8);
  central = std::make_unique<Central>(database, central_port);
  wait_for(central_policies, "does not verify against the trust anchor");

  // A signed, newer, valid one routes, on trial.
  push(9);
  wait_for(gateway_policies(), "routing with policy 9 (on trial)");
  wait_for(central_policies, "trial");
  {
    Result<protocol::BlockingClient> client =
        protocol::BlockingClient::connect("127.0.0.1", gateway->port(), kTimeout);
    ASSERT_TRUE(client) << client.status().to_string();
    ASSERT_TRUE(client
                    ->send(protocol::build_route_order(
                        1, testing::one_unit_order("ord-policy-9", "sku-tent-2p")))
                    .is_ok());
    Result<protocol::ReceivedResponse> response = client->receive(kTimeout);
    ASSERT_TRUE(response) << response.status().to_string();
    const auto* routed = response->response().body_as_RouteOrderResult();
    ASSERT_NE(routed, nullptr);
    EXPECT_EQ(routing::fbs::GetDecision(routed->decision()->data())->policy_version(), 9U);
  }

  // Killed and restarted, the gateway is where its journal left it.
  EXPECT_TRUE(WIFSIGNALED(gateway->kill(SIGKILL)));
  gateway = std::make_unique<Gateway>(config, false);
  wait_for(gateway_policies(), "routing with policy 9 (on trial)");

  // An operator's rollback; the version stays spent.
  const testing::CommandRun rolled_back = testing::run_command(
      std::string(EDGEROUTE_BINARY) + " policy rollback --reason 'late shipments' --to 127.0.0.1:" +
          std::to_string(gateway->port()),
      directory / "rollback.err");
  EXPECT_EQ(rolled_back.exit_status, 0) << rolled_back.err;
  EXPECT_NE(rolled_back.out.find("policy 9 rolled back: routing with policy 7"), std::string::npos)
      << rolled_back.out;
  const testing::CommandRun at_gateway =
      testing::run_command(gateway_policies(), directory / "status.err");
  EXPECT_NE(at_gateway.out.find("routing with policy 7\n"), std::string::npos) << at_gateway.out;
  EXPECT_NE(at_gateway.out.find("highest version accepted: 9"), std::string::npos)
      << at_gateway.out;
  wait_for(central_policies, "rolled_back");
  const testing::CommandRun at_central =
      testing::run_command(central_policies, directory / "c.err");
  EXPECT_NE(at_central.out.find("policy version 9: halted"), std::string::npos) << at_central.out;
}

}  // namespace
}  // namespace edgeroute

namespace edgeroute {
namespace {

// The node the running gateway's decision for `order_id` ships from (its first
// shipment), and the order's status.
std::pair<std::string, protocol::fbs::OrderStatus> where(protocol::BlockingClient& client,
                                                         const std::string& order_id) {
  if (!client.send(protocol::build_query_order(7, order_id)).is_ok()) return {};
  Result<protocol::ReceivedResponse> response = client.receive(kTimeout);
  if (!response || response->response().body_as_OrderState() == nullptr) return {};
  const auto* state = response->response().body_as_OrderState();
  const auto* decision = routing::fbs::GetDecision(state->decision()->data());
  if (decision->shipments() == nullptr || decision->shipments()->size() == 0) return {};
  return {decision->shipments()->Get(0)->node_id()->str(), state->status()};
}

TEST_F(SyncProcesses, ANodeClosedAtCentralDuringAnOutageIsRoutedAroundUntilItIsReopened) {
  Gateway gateway(config, true);
  Result<protocol::BlockingClient> client =
      protocol::BlockingClient::connect("127.0.0.1", gateway.port(), kTimeout);
  ASSERT_TRUE(client) << client.status().to_string();
  std::vector<std::string> orders;
  for (int i = 0; i < 6; ++i) {
    orders.push_back("ord-closure-" + std::to_string(i));
    ASSERT_TRUE(client
                    ->send(protocol::build_route_order(
                        static_cast<std::uint64_t>(i + 1),
                        testing::one_unit_order(orders.back(),
                                                kSkus[static_cast<std::size_t>(i) % kSkus.size()])))
                    .is_ok());
    ASSERT_TRUE(client->receive(kTimeout));
  }
  const std::string closed = where(*client, orders[0]).first;
  ASSERT_FALSE(closed.empty());
  std::set<std::string> held_there;
  for (const std::string& order : orders) {
    if (where(*client, order).first == closed) held_there.insert(order);
  }

  // Central is down (the link is cut) when ops close the node; it comes back later.
  EXPECT_TRUE(WIFEXITED(central->kill(SIGTERM)));
  const testing::CommandRun closing =
      central_command(fmt::format("node close --node {} --reason 'building flooded'", closed));
  ASSERT_EQ(closing.exit_status, 0) << closing.err;
  EXPECT_NE(closing.out.find(fmt::format("closure 1 of node {}: sent to 1 gateway(s)", closed)),
            std::string::npos)
      << closing.out;
  central = std::make_unique<Central>(database, central_port);

  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (central_command("node closures").out.find("applied") == std::string::npos) {
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << central_command("node closures").out;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Every order that was held there moved elsewhere, or is listed for an operator.
  for (const std::string& order : held_there) {
    std::pair<std::string, protocol::fbs::OrderStatus> now = where(*client, order);
    while (now.first == closed && now.second != protocol::fbs::OrderStatus::failed) {
      ASSERT_LT(std::chrono::steady_clock::now(), give_up) << order;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      now = where(*client, order);
    }
    if (now.first == closed) {
      ASSERT_EQ(synced(gateway.port()) > 0, true);
      EXPECT_NE(central_command("conflicts").out.find(order), std::string::npos) << order;
    } else {
      EXPECT_EQ(now.second, protocol::fbs::OrderStatus::rerouted) << order;
    }
  }
  // New orders go elsewhere.
  ASSERT_TRUE(client
                  ->send(protocol::build_route_order(
                      100, testing::one_unit_order("ord-after-closure", kSkus[0])))
                  .is_ok());
  ASSERT_TRUE(client->receive(kTimeout));
  EXPECT_NE(where(*client, "ord-after-closure").first, closed);
  std::cout << held_there.size() << " of " << orders.size() << " orders were held at " << closed
            << " when central closed it\n";

  // Reopened, the node takes orders again.
  const testing::CommandRun reopening =
      central_command(fmt::format("node reopen --node {} --reason 'water pumped out'", closed));
  ASSERT_EQ(reopening.exit_status, 0) << reopening.err;
  const auto reopened_here = [&] {
    Result<std::unique_ptr<sync::CentralStore>> store = sync::open_sqlite_central_store(database);
    if (!store) return false;
    Result<std::vector<sync::NodeClosure>> closures = (*store)->node_closures();
    if (!closures) return false;
    for (const sync::NodeClosure& closure : *closures) {
      if (!closure.reopen) continue;
      for (const sync::NodeClosureDelivery& delivery : closure.deliveries)
        if (delivery.state == sync::NodeClosureDelivery::State::applied) return true;
    }
    return false;
  };
  while (!reopened_here()) {
    ASSERT_LT(std::chrono::steady_clock::now(), give_up + std::chrono::seconds(30))
        << central_command("node closures").out;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(client
                  ->send(protocol::build_route_order(
                      101, testing::one_unit_order("ord-after-reopening", kSkus[0])))
                  .is_ok());
  ASSERT_TRUE(client->receive(kTimeout));
  EXPECT_EQ(where(*client, "ord-after-reopening").first, closed);
}

// A gateway's escrow as `edgeroute status` reports it: units of its leases no order holds.
std::uint64_t escrow_unreserved(std::uint16_t port) {
  Result<protocol::BlockingClient> client =
      protocol::BlockingClient::connect("127.0.0.1", port, kTimeout);
  if (!client || !client->send(protocol::build_gateway_status_request(1)).is_ok()) return 0;
  Result<protocol::ReceivedResponse> response = client->receive(kTimeout);
  if (!response || response->response().body_as_GatewayStatus() == nullptr) return 0;
  return response->response().body_as_GatewayStatus()->escrow_unreserved_units();
}

// Routes `count` one-unit orders of `sku`; the units the gateway acknowledged at `node`.
std::int32_t units_routed_to(std::uint16_t port, const std::string& prefix, int count,
                             const std::string& sku, const std::string& node) {
  Result<protocol::BlockingClient> client =
      protocol::BlockingClient::connect("127.0.0.1", port, kTimeout);
  EXPECT_TRUE(client) << client.status().to_string();
  if (!client) return 0;
  std::int32_t units = 0;
  for (int i = 0; i < count; ++i) {
    const std::string order_id = prefix + std::to_string(i);
    EXPECT_TRUE(client
                    ->send(protocol::build_route_order(static_cast<std::uint64_t>(i + 1),
                                                       testing::one_unit_order(order_id, sku)))
                    .is_ok());
    Result<protocol::ReceivedResponse> response = client->receive(kTimeout);
    EXPECT_TRUE(response) << response.status().to_string();
    if (!response) return units;
    const auto* routed = response->response().body_as_RouteOrderResult();
    if (routed == nullptr) continue;
    const auto* decision = routing::fbs::GetDecision(routed->decision()->data());
    if (decision->outcome() != routing::fbs::Outcome::routed) continue;
    for (const auto* shipment : *decision->shipments()) {
      if (shipment->node_id()->string_view() != node) continue;
      for (const auto* line : *shipment->lines()) units += line->quantity();
    }
  }
  return units;
}

// Two gateways share a partner's fuel: neither homes it (nor the fulfillment centre, so
// the partner is their one place for fuel). Central holds 30 units; each gateway's quota is
// 20, so central leases one 20 and the other what is left. Central goes down; both sell
// fuel as hard as they can (from their snapshots they would sell 40 each); central comes
// back and learns everything. Together they never sold more than central had, central's
// books (free + leased) still add up, and a receipt at the partner is leased and sold on.
TEST_F(SyncProcesses, TwoGatewaysSharingAPartnerNeverSellMoreThanCentralHadEvenCutOff) {
  constexpr const char* kPartner = "3pl-columbus-2";
  constexpr const char* kFuel = "sku-stove-fuel";
  constexpr int kCentralUnits = 30;
  const std::string second_id = "gw-test-2";
  const testing::CommandRun registered = central_command(
      "gateway add " + second_id + " --certificate '" + kPki + "/" + second_id + ".pem'");
  ASSERT_EQ(registered.exit_status, 0) << registered.err;
  const std::string first_config = directory / "first.json";
  const std::string second_config = directory / "second.json";
  write_config(first_config, kGatewayId, R"("store-brooklyn-12")", directory / "first");
  write_config(second_config, second_id, R"("dropship-acme")", directory / "second");
  for (const std::string& command :
       {fmt::format("inventory set --node {} --sku {} --units {}", kPartner, kFuel, kCentralUnits),
        fmt::format("quota grant --gateway {} --node {} --sku {} --units 20", kGatewayId, kPartner,
                    kFuel),
        fmt::format("quota grant --gateway {} --node {} --sku {} --units 20", second_id, kPartner,
                    kFuel),
        // A quota at the store the first gateway homes: its stock is that gateway's to count,
        // so the grant comes back refused, a conflict for an operator.
        std::string("inventory set --node store-brooklyn-12 --sku sku-headlamp --units 5"),
        fmt::format("quota grant --gateway {} --node store-brooklyn-12 --sku sku-headlamp "
                    "--units 5",
                    kGatewayId)}) {
    const testing::CommandRun run = central_command(command);
    ASSERT_EQ(run.exit_status, 0) << command << ": " << run.err;
  }
  Gateway first(first_config, true);
  Gateway second(second_config, true);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (escrow_unreserved(first.port()) + escrow_unreserved(second.port()) < kCentralUnits) {
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << central_command("quota list").out;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  while (central_command("conflicts").out.find("is homed by this gateway") == std::string::npos) {
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << central_command("conflicts").out;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  // Cut off: central is gone, and both gateways sell what they can.
  EXPECT_TRUE(WIFSIGNALED(central->kill(SIGKILL)));
  const std::int32_t sold_first = units_routed_to(first.port(), "ord-first-", 40, kFuel, kPartner);
  const std::int32_t sold_second =
      units_routed_to(second.port(), "ord-second-", 40, kFuel, kPartner);
  EXPECT_GT(sold_first, 0);
  EXPECT_GT(sold_second, 0);
  EXPECT_LE(sold_first, 20);
  EXPECT_LE(sold_second, 20);
  EXPECT_LE(sold_first + sold_second, kCentralUnits);

  // Back: central learns both journals; its books still hold the 30 units.
  central = std::make_unique<Central>(database, central_port);
  synced(first.port());
  synced(second.port());
  const testing::CommandRun shared = central_command("inventory shared");
  ASSERT_EQ(shared.exit_status, 0) << shared.err;
  // Central's books of the partner's fuel, read beside the running central.
  const auto books = [&] {
    Result<std::unique_ptr<sync::CentralStore>> store = sync::open_sqlite_central_store(database);
    EXPECT_TRUE(store) << store.status().to_string();
    if (!store) return sync::SharedStock{};
    Result<std::vector<sync::SharedStock>> stock = (*store)->shared_stock();
    EXPECT_TRUE(stock) << stock.status().to_string();
    if (stock) {
      for (const sync::SharedStock& row : *stock) {
        if (row.node_id == kPartner && row.sku_id == kFuel) return row;
      }
    }
    ADD_FAILURE() << "no shared stock of " << kFuel << " at " << kPartner << "\n" << shared.out;
    return sync::SharedStock{};
  };
  const sync::SharedStock after_outage = books();
  EXPECT_GE(after_outage.free_units, 0) << shared.out;
  EXPECT_EQ(after_outage.free_units + after_outage.leased_units, kCentralUnits) << shared.out;
  std::cout << "cut off, the two gateways sold " << sold_first << " and " << sold_second
            << " of the partner's " << kCentralUnits << " units\n"
            << shared.out;
  // Each gateway reports to central the stock of the node it homes, never the partner's:
  // that is shared, and central's own books hold it.
  while (homed_on_hand(central_command("inventory homed --node store-brooklyn-12").out,
                       "sku-tent-2p") < 0 ||
         homed_on_hand(central_command("inventory homed --node dropship-acme").out, "sku-kayak",
                       second_id) < 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), give_up + std::chrono::seconds(60))
        << central_command("inventory homed").out;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(central_command("inventory homed --node 3pl-columbus-2").out,
            "no homed stock reported for node '3pl-columbus-2'\n");

  // Connected again: a receipt of 10 at the partner is leased out as the gateways need it,
  // and no more is sold than central ever had.
  constexpr int kReceipt = 10;
  const testing::CommandRun receipt = central_command(
      fmt::format("inventory adjust --node {} --sku {} --units {}", kPartner, kFuel, kReceipt));
  ASSERT_EQ(receipt.exit_status, 0) << receipt.err;
  while (books().free_units != 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), give_up + std::chrono::seconds(60))
        << central_command("quota list").out;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Each sold down to its safety stock (2 units) while cut off: the top-up is on hand once
  // either holds more unreserved.
  while (escrow_unreserved(first.port()) + escrow_unreserved(second.port()) <= 4) {
    ASSERT_LT(std::chrono::steady_clock::now(), give_up + std::chrono::seconds(60))
        << central_command("quota list").out;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::int32_t more_first =
      units_routed_to(first.port(), "ord-more-first-", 20, kFuel, kPartner);
  const std::int32_t more_second =
      units_routed_to(second.port(), "ord-more-second-", 20, kFuel, kPartner);
  EXPECT_GT(more_first + more_second, 0) << "the top-up was sold";
  EXPECT_LE(sold_first + sold_second + more_first + more_second, kCentralUnits + kReceipt);
  // Retiring a gateway does not take its lease back: only its journal can say what it sold.
  const testing::CommandRun retired = central_command("gateway retire " + second_id);
  ASSERT_EQ(retired.exit_status, 0) << retired.err;
  EXPECT_NE(retired.out.find(fmt::format("its lease of {} at {} still holds", kFuel, kPartner)),
            std::string::npos)
      << retired.out;
  // Nor can an operator take it back while the gateway may still sell from it.
  const testing::CommandRun early = central_command("quota reclaim --gateway " + second_id);
  EXPECT_EQ(early.exit_status, 1) << early.out;
  EXPECT_NE(early.err.find(fmt::format("its lease of SKU '{}' at node '{}'", kFuel, kPartner)),
            std::string::npos)
      << early.err;
  EXPECT_NE(early.err.find("it may sell from it until then"), std::string::npos) << early.err;
  std::cout << "connected again, they sold " << more_first << " and " << more_second << " more\n"
            << central_command("quota list").out;
}

}  // namespace
}  // namespace edgeroute
