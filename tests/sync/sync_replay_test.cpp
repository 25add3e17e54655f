// A gateway's SyncAgent and a CentralServer on loopback, mutual TLS on, certificates
// from scripts/make-sync-pki.sh: the journal reaches central exactly once, through
// central restarts, lost links and refusals, and each refusal says why.
#include <gtest/gtest.h>

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/ssl.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "edgeroute/hal/linux/linux_clock.h"
#include "edgeroute/hal/sim/sim_clock.h"
#include "edgeroute/hal/sim/sim_link.h"
#include "edgeroute/journal/journal.h"
#include "edgeroute/sync/central_delta.h"
#include "edgeroute/sync/central_server.h"
#include "edgeroute/sync/central_store.h"
#include "edgeroute/sync/messages.h"
#include "edgeroute/sync/sync_agent.h"
#include "edgeroute/sync/tls.h"
#include "edgeroute/testing/temporary_directory.h"

namespace edgeroute::sync {
namespace {

using namespace std::chrono_literals;

const std::string kPki = EDGEROUTE_SYNC_PKI_DIR;
constexpr const char* kGateway = "gw-test-1";
constexpr const char* kOtherGateway = "gw-test-2";

TlsFiles gateway_files(const std::string& gateway_id) {
  return {kPki + "/ca.pem", kPki + "/" + gateway_id + ".pem", kPki + "/" + gateway_id + ".key"};
}

TlsFiles central_files() {
  return {kPki + "/ca.pem", kPki + "/central.pem", kPki + "/central.key"};
}

std::vector<std::uint8_t> payload_of(std::uint64_t sequence) {
  std::vector<std::uint8_t> payload(40 + static_cast<std::size_t>(sequence % 200));
  for (std::size_t index = 0; index < payload.size(); ++index)
    payload[index] = static_cast<std::uint8_t>((sequence * 131 + index * 7) & 0xffU);
  return payload;
}

// Polls `done` until it holds or 30 s pass (loopback answers in milliseconds; the limit
// is for a loaded machine and qemu, not a measurement).
bool eventually(const std::function<bool()>& done) {
  const auto give_up = std::chrono::steady_clock::now() + 30s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

class SyncReplay : public ::testing::Test {
 protected:
  void SetUp() override {
    journal_ = open_journal(kGateway);
    Result<std::unique_ptr<CentralStore>> store =
        open_sqlite_central_store(directory_ / "central.db");
    ASSERT_TRUE(store) << store.status().to_string();
    store_ = std::move(*store);
    register_gateway(kGateway);
    start_central(0);
  }

  void TearDown() override {
    if (agent_) agent_->stop();
    if (central_) central_->stop();
  }

  std::unique_ptr<journal::Journal> open_journal(const std::string& gateway_id) {
    journal::JournalOptions options;
    options.path = directory_ / (gateway_id + ".journal");
    options.gateway_id = gateway_id;
    Result<std::unique_ptr<journal::Journal>> opened = journal::Journal::open(options);
    EXPECT_TRUE(opened) << opened.status().to_string();
    return opened ? std::move(*opened) : nullptr;
  }

  void register_gateway(const std::string& gateway_id) {
    Result<std::string> fingerprint = certificate_file_sha256(kPki + "/" + gateway_id + ".pem");
    ASSERT_TRUE(fingerprint) << fingerprint.status().to_string();
    ASSERT_TRUE(store_->register_gateway(gateway_id, *fingerprint, 1).is_ok());
  }

  void start_central(std::uint16_t port) {
    CentralServerOptions options;
    options.port = port;
    options.tls = central_files();
    options.central_id = "central-test";
    options.delta_poll_interval = 20ms;
    Result<std::unique_ptr<CentralServer>> server = CentralServer::start(options, *store_, clock_);
    ASSERT_TRUE(server) << server.status().to_string();
    central_ = std::move(*server);
    port_ = central_->port();
  }

  // Appends `count` entries to `journal` in batches of up to 100, as the journal writer does.
  static void append(journal::Journal& journal, std::uint64_t count) {
    std::uint64_t next = journal.last_sequence() + 1;
    const std::uint64_t end = next + count;
    while (next < end) {
      std::vector<std::vector<std::uint8_t>> payloads;
      std::vector<std::string> order_ids;
      std::vector<journal::EntryToAppend> batch;
      for (; next < end && batch.size() < 100; ++next) {
        payloads.push_back(payload_of(next));
        order_ids.push_back("order-" + std::to_string(next));
        batch.push_back({});
      }
      for (std::size_t index = 0; index < batch.size(); ++index) {
        batch[index].kind = journal::EntryKind::decision;
        batch[index].recorded_at_us = 1'700'000'000'000'000 + static_cast<std::int64_t>(index);
        batch[index].order_id = order_ids[index];
        batch[index].correlation_id = "corr";
        batch[index].payload = payloads[index];
      }
      ASSERT_TRUE(journal.append(batch));
    }
  }

  SyncAgentOptions agent_options(const std::string& gateway_id) {
    SyncAgentOptions options;
    options.gateway_id = gateway_id;
    options.central_host = "127.0.0.1";
    options.central_port = port_;
    options.tls = gateway_files(gateway_id);
    options.journal_path = directory_ / (gateway_id + ".journal");
    options.batch_max_entries = 100;
    options.poll_interval = 5ms;
    options.reconnect_min = 20ms;
    options.reconnect_max = 200ms;
    options.jitter_seed = 1;
    return options;
  }

  void start_agent(SyncAgentOptions options, SyncAgent::StockHooks stock = {}) {
    Result<std::unique_ptr<SyncAgent>> agent = SyncAgent::start(
        std::move(options), link_, journal_->acknowledged(),
        [this](std::uint64_t sequence) { persisted_.store(sequence); }, {}, {}, {}, {},
        std::move(stock));
    ASSERT_TRUE(agent) << agent.status().to_string();
    agent_ = std::move(*agent);
  }

  // Stops central and reads what it holds of `gateway_id`: every sequence, in order.
  std::vector<std::uint64_t> held_by_central(const std::string& gateway_id) {
    if (agent_) agent_->stop();
    central_->stop();
    std::vector<std::uint64_t> sequences;
    const Status read = store_->read_journal(gateway_id, 1, [&](const journal::StoredEntry& entry) {
      sequences.push_back(entry.sequence);
      EXPECT_EQ(std::vector<std::uint8_t>(entry.payload.begin(), entry.payload.end()),
                payload_of(entry.sequence))
          << "entry " << entry.sequence;
      EXPECT_EQ(entry.order_id, "order-" + std::to_string(entry.sequence));
      return Status::ok();
    });
    EXPECT_TRUE(read.is_ok()) << read.to_string();
    return sequences;
  }

  static std::vector<std::uint64_t> one_to(std::uint64_t last) {
    std::vector<std::uint64_t> sequences;
    for (std::uint64_t sequence = 1; sequence <= last; ++sequence) sequences.push_back(sequence);
    return sequences;
  }

  std::string last_error() { return agent_->figures().last_error; }

  // A connection of its own to central's store, for reading or changing it beside the
  // running server (whose connection is its I/O thread's alone), as edgeroute-central does.
  std::unique_ptr<CentralStore> operator_store() {
    Result<std::unique_ptr<CentralStore>> store =
        open_sqlite_central_store(directory_ / "central.db");
    EXPECT_TRUE(store) << store.status().to_string();
    return store ? std::move(*store) : nullptr;
  }

  testing::TemporaryDirectory directory_{"sync"};
  hal::LinuxClock clock_;
  hal::SimClock sim_clock_{hal::WallTime(), hal::MonotonicTime()};
  hal::SimLink link_{sim_clock_, hal::LinkState::up};
  std::unique_ptr<journal::Journal> journal_;
  std::unique_ptr<CentralStore> store_;
  std::unique_ptr<CentralServer> central_;
  std::uint16_t port_ = 0;
  std::unique_ptr<SyncAgent> agent_;
  std::atomic<std::uint64_t> persisted_{0};
};

TEST_F(SyncReplay, TheWholeJournalReachesCentralOnceAndTheMarkComesBack) {
  append(*journal_, 2500);
  start_agent(agent_options(kGateway));
  ASSERT_TRUE(eventually([&] { return persisted_.load() == 2500; })) << last_error();
  EXPECT_EQ(agent_->figures().entries_sent, 2500U);
  EXPECT_EQ(held_by_central(kGateway), one_to(2500));
  Result<std::optional<GatewayRecord>> record = store_->gateway(kGateway);
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->acknowledged, 2500U);
}

TEST_F(SyncReplay, EntriesJournaledWhileConnectedFollow) {
  append(*journal_, 10);
  start_agent(agent_options(kGateway));
  ASSERT_TRUE(eventually([&] { return persisted_.load() == 10; })) << last_error();
  append(*journal_, 7);
  ASSERT_TRUE(eventually([&] { return persisted_.load() == 17; })) << last_error();
  EXPECT_EQ(held_by_central(kGateway), one_to(17));
}

TEST_F(SyncReplay, AfterCentralRestartsOnlyWhatItHasNotAcknowledgedIsSent) {
  append(*journal_, 1000);
  start_agent(agent_options(kGateway));
  ASSERT_TRUE(eventually([&] { return persisted_.load() == 1000; })) << last_error();
  central_->stop();
  append(*journal_, 500);
  // Central is down: the agent fails, backs off and tries again.
  ASSERT_TRUE(eventually([&] { return agent_->figures().failures >= 2; }));
  EXPECT_EQ(persisted_.load(), 1000U);
  start_central(port_);
  ASSERT_TRUE(eventually([&] { return persisted_.load() == 1500; })) << last_error();
  EXPECT_EQ(agent_->figures().entries_sent, 1500U) << "an acknowledged entry was sent again";
  EXPECT_EQ(held_by_central(kGateway), one_to(1500));
}

TEST_F(SyncReplay, CentralStoppedWithBatchesInFlightStillEndsWithEachEntryOnce) {
  append(*journal_, 20000);
  SyncAgentOptions options = agent_options(kGateway);
  options.batch_max_entries = 50;
  start_agent(options);
  for (int restart = 0; restart < 3; ++restart) {
    const std::uint64_t before = persisted_.load();
    ASSERT_TRUE(
        eventually([&] { return persisted_.load() > before + 500 || persisted_ == 20000; }));
    central_->stop();
    start_central(port_);
  }
  ASSERT_TRUE(eventually([&] { return persisted_.load() == 20000; })) << last_error();
  EXPECT_EQ(held_by_central(kGateway), one_to(20000));
}

TEST_F(SyncReplay, AGatewayClockHoursOffIsShownAtCentralAndItsJournalStillArrivesOnce) {
  append(*journal_, 20);
  // The gateway's clock runs three hours ahead of central's.
  hal::SimClock ahead(hal::WallTime(std::chrono::duration_cast<hal::Duration>(
                          std::chrono::system_clock::now().time_since_epoch() + 3h)),
                      hal::MonotonicTime());
  SyncAgentOptions options = agent_options(kGateway);
  options.clock = &ahead;
  start_agent(options);
  ASSERT_TRUE(eventually([&] { return persisted_.load() == 20; })) << last_error();
  EXPECT_EQ(held_by_central(kGateway), one_to(20));
  Result<std::optional<GatewayRecord>> record = store_->gateway(kGateway);
  ASSERT_TRUE(record && *record);
  const auto skew = std::chrono::microseconds((*record)->clock_skew_us);
  EXPECT_GT(skew, 3h - 1min);
  EXPECT_LT(skew, 3h + 1min);
}

TEST_F(SyncReplay, ALinkDownEndsTheSessionAndALinkUpResumesIt) {
  append(*journal_, 100);
  start_agent(agent_options(kGateway));
  ASSERT_TRUE(eventually([&] { return persisted_.load() == 100; })) << last_error();
  link_.set_state(hal::LinkState::down);
  ASSERT_TRUE(eventually([&] { return !agent_->figures().connected; }));
  EXPECT_EQ(last_error(), "the WAN link went down");
  const std::uint64_t sessions = agent_->figures().sessions;
  append(*journal_, 50);
  link_.set_state(hal::LinkState::up);
  ASSERT_TRUE(eventually([&] { return persisted_.load() == 150; })) << last_error();
  EXPECT_EQ(agent_->figures().sessions, sessions + 1);
  EXPECT_EQ(held_by_central(kGateway), one_to(150));
}

TEST_F(SyncReplay, AnUnregisteredGatewayIsRefusedAndTheAgentSaysWhy) {
  journal_ = open_journal(kOtherGateway);
  start_agent(agent_options(kOtherGateway));
  ASSERT_TRUE(eventually([&] { return agent_->figures().failures >= 1; }));
  EXPECT_EQ(last_error(),
            "central refused: identity_rejected: gateway 'gw-test-2' is not registered at central");
  EXPECT_FALSE(agent_->figures().connected);
}

TEST_F(SyncReplay, ARetiredGatewayIsRefusedAndTheAgentSaysHowToBringItBack) {
  append(*journal_, 10);
  ASSERT_TRUE(store_->retire_gateway(kGateway, 2).is_ok());  // before any session uses the store
  start_agent(agent_options(kGateway));
  ASSERT_TRUE(eventually([&] { return agent_->figures().failures >= 1; }));
  EXPECT_EQ(last_error(),
            "central refused: identity_rejected: gateway 'gw-test-1' is retired at central; "
            "register it again to bring it back");
  EXPECT_FALSE(agent_->figures().connected);
  EXPECT_EQ(persisted_.load(), 0U);
}

TEST_F(SyncReplay, AGatewayCannotSpeakWithAnotherGatewaysCertificate) {
  register_gateway(kOtherGateway);
  SyncAgentOptions options = agent_options(kGateway);
  options.tls = gateway_files(kOtherGateway);  // valid, issued by the CA, but not gw-test-1's
  start_agent(options);
  ASSERT_TRUE(eventually([&] { return agent_->figures().failures >= 1; }));
  EXPECT_NE(last_error().find("is not the one registered for gateway 'gw-test-1'"),
            std::string::npos)
      << last_error();
}

TEST_F(SyncReplay, ACentralWithoutACertificateForTheDialledNameIsNotTrusted) {
  append(*journal_, 10);
  SyncAgentOptions options = agent_options(kGateway);
  options.server_name = "central.example.com";
  start_agent(options);
  ASSERT_TRUE(eventually([&] { return agent_->figures().failures >= 1; }));
  EXPECT_NE(last_error().find("TLS handshake"), std::string::npos) << last_error();
  EXPECT_EQ(persisted_.load(), 0U);
}

TEST_F(SyncReplay, AJournalShorterThanCentralsMarkIsNamedAsNotTheOneCentralKnows) {
  append(*journal_, 30);
  start_agent(agent_options(kGateway));
  ASSERT_TRUE(eventually([&] { return persisted_.load() == 30; })) << last_error();
  agent_->stop();
  // The gateway's disk is replaced by a fresh journal while central keeps 1..30.
  journal_.reset();
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(directory_ / (std::string(kGateway) + ".journal" + suffix));
  journal_ = open_journal(kGateway);
  append(*journal_, 5);
  start_agent(agent_options(kGateway));
  ASSERT_TRUE(eventually([&] { return agent_->figures().failures >= 1; }));
  EXPECT_NE(last_error().find("central holds entries 1..30 of gateway 'gw-test-1' but this "
                              "journal ends at 5"),
            std::string::npos)
      << last_error();
}

TEST_F(SyncReplay, ACentralThatAcceptsButNeverAnswersIsGivenUpAfterTheResponseTimeout) {
  // A TCP listener that takes the connection and says nothing, not even TLS.
  asio::io_context io;
  asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket held(io);
  std::thread accepting([&] { silent.accept(held); });
  SyncAgentOptions options = agent_options(kGateway);
  options.central_port = silent.local_endpoint().port();
  options.response_timeout = 300ms;
  start_agent(options);
  ASSERT_TRUE(eventually([&] { return agent_->figures().failures >= 1; }));
  EXPECT_EQ(last_error(), "central did not answer within 300 ms");
  agent_->stop();
  accepting.join();
}

TEST_F(SyncReplay, BatchLimitsThatCouldNeverSendAreRefusedAtStart) {
  SyncAgentOptions none_in_flight = agent_options(kGateway);
  none_in_flight.batches_in_flight = 0;
  SyncAgentOptions beyond_a_frame = agent_options(kGateway);
  beyond_a_frame.batch_max_bytes = kMaxSyncFrameBytes;
  for (const SyncAgentOptions& options : {none_in_flight, beyond_a_frame}) {
    Result<std::unique_ptr<SyncAgent>> agent =
        SyncAgent::start(options, link_, 0, [](std::uint64_t) {});
    ASSERT_FALSE(agent);
    EXPECT_EQ(agent.status().code(), StatusCode::invalid_argument);
    EXPECT_NE(agent.status().message().find("sync batches"), std::string::npos)
        << agent.status().message();
  }
}

TEST_F(SyncReplay, ReplayStartsAfterCentralsMarkEvenWhenTheGatewayBelievedMore) {
  append(*journal_, 50);
  // The gateway's journal says central held 1..30; this central (restored from an older
  // copy, or a new one) holds nothing.
  Result<std::unique_ptr<SyncAgent>> agent =
      SyncAgent::start(agent_options(kGateway), link_, 30,
                       [this](std::uint64_t sequence) { persisted_ = sequence; });
  ASSERT_TRUE(agent) << agent.status().to_string();
  agent_ = std::move(*agent);
  ASSERT_TRUE(eventually([&] { return agent_->figures().acknowledged == 50; })) << last_error();
  EXPECT_EQ(held_by_central(kGateway), one_to(50));
}

TEST_F(SyncReplay, ABacklogJournaledWhileTheLinkWasDownSurvivesAnInterruptedCatchUp) {
  append(*journal_, 5);
  SyncAgentOptions options = agent_options(kGateway);
  options.batch_max_entries = 50;
  start_agent(options);
  ASSERT_TRUE(eventually([&] { return agent_->figures().acknowledged == 5; })) << last_error();
  link_.set_state(hal::LinkState::down);
  ASSERT_TRUE(eventually([&] { return !agent_->figures().connected; }));
  append(*journal_, 20000);
  link_.set_state(hal::LinkState::up);
  // Central goes away in the middle of the catch-up, which reads the journal a batch at a
  // time and so never reads to its end.
  ASSERT_TRUE(eventually([&] { return agent_->figures().acknowledged > 600; })) << last_error();
  central_->stop();
  start_central(port_);
  ASSERT_TRUE(eventually([&] { return persisted_.load() == 20005; })) << last_error();
  EXPECT_EQ(agent_->figures().journal_newest, 20005U);
  EXPECT_EQ(held_by_central(kGateway), one_to(20005));
}

// Central's operators work on the store beside the running server, through a connection
// of their own (as edgeroute-central does).
class SyncDeltas : public SyncReplay {
 protected:
  std::uint64_t add_delta(std::string_view sku, std::int32_t units) {
    Result<std::uint64_t> id =
        operator_store()->add_inventory_delta(kGateway, "fc-1", sku, units, "PO 4711", 2);
    EXPECT_TRUE(id) << id.status().to_string();
    return id ? *id : 0;
  }
  std::vector<InventoryDelta> deltas(InventoryDelta::State state) {
    Result<std::vector<InventoryDelta>> found = operator_store()->inventory_deltas(kGateway, state);
    EXPECT_TRUE(found) << found.status().to_string();
    return found ? *found : std::vector<InventoryDelta>();
  }
  // The gateway's part: journal the adjustment under the delta's correlation id.
  void journal_adjustment(const CentralInventoryDelta& delta) {
    const std::vector<std::uint8_t> payload(16, 7);
    journal::EntryToAppend entry;
    entry.kind = journal::EntryKind::inventory_adjustment;
    entry.correlation_id = delta.correlation_id;
    entry.payload = payload;
    ASSERT_TRUE(journal_->append({&entry, 1}));
  }
  void start_agent_with(SyncAgent::InventoryDeltaSink sink) {
    Result<std::unique_ptr<SyncAgent>> agent = SyncAgent::start(
        agent_options(kGateway), link_, journal_->acknowledged(),
        [this](std::uint64_t sequence) { persisted_ = sequence; }, std::move(sink));
    ASSERT_TRUE(agent) << agent.status().to_string();
    agent_ = std::move(*agent);
  }

  // The gateway takes each delta and answers only when the test says (handed()).
  void start_agent_holding_answers() {
    start_agent_with([this](const CentralInventoryDelta& delta, std::function<void(Status)> done) {
      std::lock_guard lock(mutex_);
      taken_.emplace_back(delta, std::move(done));
    });
  }

  std::mutex mutex_;
  std::vector<std::pair<CentralInventoryDelta, std::function<void(Status)>>> taken_;
  std::size_t taken() {
    std::lock_guard lock(mutex_);
    return taken_.size();
  }
  // A copy of the index-th delta handed over and its answer, taken under the lock (the
  // agent's thread may be adding one).
  std::pair<CentralInventoryDelta, std::function<void(Status)>> handed(std::size_t index) {
    std::lock_guard lock(mutex_);
    return taken_.at(index);
  }
};

TEST_F(SyncDeltas, ADeltaIsAppliedOnceAndCentralLearnsItFromTheJournalEntry) {
  append(*journal_, 10);
  start_agent_with([this](const CentralInventoryDelta& delta, std::function<void(Status)> done) {
    journal_adjustment(delta);  // on the agent's thread; the test leaves the journal alone
    {
      std::lock_guard lock(mutex_);
      taken_.emplace_back(delta, nullptr);
    }
    done(Status::ok());
  });
  ASSERT_TRUE(eventually([&] { return agent_->figures().acknowledged == 10; })) << last_error();
  const std::uint64_t id = add_delta("sku-tent", 12);
  ASSERT_TRUE(eventually([&] { return deltas(InventoryDelta::State::applied).size() == 1; }));
  const InventoryDelta applied = deltas(InventoryDelta::State::applied)[0];
  EXPECT_EQ(applied.id, id);
  EXPECT_EQ(applied.applied_at_sequence, 11U);
  ASSERT_EQ(taken(), 1U);
  const CentralInventoryDelta handed_over = handed(0).first;
  EXPECT_EQ(handed_over.units, 12);
  EXPECT_EQ(handed_over.sku_id, "sku-tent");
  EXPECT_EQ(handed_over.reason, "PO 4711");
  EXPECT_EQ(handed_over.correlation_id, applied.correlation_id);
  EXPECT_TRUE(names_central_delta(applied.correlation_id)) << applied.correlation_id;
  EXPECT_EQ(agent_->figures().deltas_applied, 1U);
}

TEST_F(SyncDeltas, ADeltaInFlightWhenCentralRestartsIsNotAppliedTwice) {
  append(*journal_, 3);
  const std::uint64_t id = add_delta("sku-tent", 5);
  // The gateway takes the delta but is slow to journal it.
  start_agent_holding_answers();
  ASSERT_TRUE(eventually([&] { return taken() == 1; })) << last_error();
  // Central restarts and, the delta still pending there, offers it again.
  central_->stop();
  start_central(port_);
  ASSERT_TRUE(eventually([&] { return agent_->figures().sessions == 2; })) << last_error();
  std::this_thread::sleep_for(50ms);  // room for a second offer to arrive, if it were made
  EXPECT_EQ(taken(), 1U) << "the delta was handed to the gateway twice";
  // Now the gateway journals it: central learns it from the entry.
  const auto [delta, done] = handed(0);
  journal_adjustment(delta);
  done(Status::ok());
  ASSERT_TRUE(eventually([&] { return deltas(InventoryDelta::State::applied).size() == 1; }));
  EXPECT_EQ(deltas(InventoryDelta::State::applied)[0].id, id);
  EXPECT_EQ(deltas(InventoryDelta::State::applied)[0].applied_at_sequence, 4U);
  EXPECT_EQ(taken(), 1U);
}

TEST_F(SyncDeltas, ADeltaTheGatewayCouldNotTakeAfterItsSessionEndedIsOfferedAgain) {
  const std::uint64_t id = add_delta("sku-tent", 4);
  start_agent_holding_answers();
  ASSERT_TRUE(eventually([&] { return taken() == 1; })) << last_error();
  // The session the delta came in ends; the next one is offered it and passes it over.
  central_->stop();
  start_central(port_);
  ASSERT_TRUE(eventually([&] { return agent_->figures().sessions == 2; })) << last_error();
  // Only now does the gateway answer, busy: the open session ends so that the delta is
  // offered again, and this time it is taken and journaled.
  handed(0).second(Status(StatusCode::unavailable, "busy"));
  ASSERT_TRUE(eventually([&] { return taken() == 2; })) << last_error();
  const auto [delta, done] = handed(1);
  journal_adjustment(delta);
  done(Status::ok());
  ASSERT_TRUE(eventually([&] { return deltas(InventoryDelta::State::applied).size() == 1; }));
  EXPECT_EQ(deltas(InventoryDelta::State::applied)[0].id, id);
}

TEST_F(SyncDeltas, ADeltaTheGatewayCannotApplyBecomesAConflictWithItsReason) {
  start_agent_with([](const CentralInventoryDelta& delta, std::function<void(Status)> done) {
    done(Status(StatusCode::not_found, "unknown SKU '" + delta.sku_id + "'"));
  });
  const std::uint64_t id = add_delta("sku-nowhere", 3);
  ASSERT_TRUE(eventually([&] { return deltas(InventoryDelta::State::refused).size() == 1; }))
      << last_error();
  const InventoryDelta refused = deltas(InventoryDelta::State::refused)[0];
  EXPECT_EQ(refused.id, id);
  EXPECT_EQ(refused.refusal, "unknown SKU 'sku-nowhere'");
  EXPECT_EQ(agent_->figures().deltas_refused, 1U);
  EXPECT_TRUE(agent_->figures().connected) << "a conflict does not end the session";
}

// A client that speaks the protocol by hand, for what a well-behaved agent never sends.
class RawClient {
 public:
  RawClient(std::uint16_t port, const TlsFiles& files)
      : context_(std::move(make_tls_context(TlsRole::gateway, files)).value()),
        stream_(io_, context_) {
    stream_.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    stream_.handshake(asio::ssl::stream_base::client);
  }

  void send(const protocol::Frame& frame) {
    asio::write(stream_, asio::buffer(frame.bytes().data(), frame.bytes().size()));
  }
  void send_bytes(const std::vector<std::uint8_t>& bytes) {
    asio::write(stream_, asio::buffer(bytes));
  }

  // The next message (its bytes stay in this client until the next call).
  const fbs::SyncMessage* receive() {
    std::uint32_t length = 0;
    asio::read(stream_, asio::buffer(&length, sizeof length));
    payload_.assign((length + 7) / 8, 0);
    asio::read(stream_, asio::buffer(payload_.data(), length));
    Result<const fbs::SyncMessage*> message =
        verify_sync_message({reinterpret_cast<const std::uint8_t*>(payload_.data()), length});
    EXPECT_TRUE(message) << message.status().to_string();
    return message ? *message : nullptr;
  }

  std::uint64_t acknowledged_after(const protocol::Frame& batch) {
    send(batch);
    const fbs::SyncMessage* answer = receive();
    if (answer == nullptr || answer->body_as_Acknowledged() == nullptr) {
      ADD_FAILURE() << "no Acknowledged";
      return 0;
    }
    return answer->body_as_Acknowledged()->sequence();
  }

 private:
  asio::io_context io_;
  asio::ssl::context context_;
  asio::ssl::stream<asio::ip::tcp::socket> stream_;
  std::vector<std::uint64_t> payload_;  // 8-byte aligned
};

protocol::Frame batch_of(std::uint64_t first, std::uint64_t last) {
  JournalBatchBuilder builder;
  for (std::uint64_t sequence = first; sequence <= last; ++sequence) {
    const std::vector<std::uint8_t> payload = payload_of(sequence);
    const std::string order_id = "order-" + std::to_string(sequence);
    journal::StoredEntry entry;
    entry.sequence = sequence;
    entry.kind = journal::EntryKind::decision;
    entry.order_id = order_id;
    entry.payload = payload;
    builder.add(entry);
  }
  return builder.finish();
}

const fbs::Refused* refusal(const fbs::SyncMessage* message) {
  return message == nullptr ? nullptr : message->body_as_Refused();
}

TEST_F(SyncReplay, DuplicatedAndOverlappingBatchesAreAppliedOnceAndAGapIsRefused) {
  RawClient client(port_, gateway_files(kGateway));
  client.send(hello_frame(kGateway, 40, 0));
  const fbs::SyncMessage* welcome = client.receive();
  ASSERT_TRUE(welcome && welcome->body_as_Welcome());
  EXPECT_EQ(welcome->body_as_Welcome()->acknowledged(), 0U);
  EXPECT_EQ(client.acknowledged_after(batch_of(1, 10)), 10U);
  EXPECT_EQ(client.acknowledged_after(batch_of(1, 10)), 10U);   // delivered twice
  EXPECT_EQ(client.acknowledged_after(batch_of(6, 20)), 20U);   // overlapping
  EXPECT_EQ(client.acknowledged_after(batch_of(11, 15)), 20U);  // late, all duplicates
  client.send(batch_of(25, 30));                                // 21..24 never came
  const fbs::Refused* gap = refusal(client.receive());
  ASSERT_NE(gap, nullptr);
  EXPECT_EQ(gap->code(), fbs::RefusalCode::sequence_gap);
  EXPECT_NE(gap->message()->str().find("holds up to 20, batch starts at 25"), std::string::npos)
      << gap->message()->str();
  EXPECT_EQ(held_by_central(kGateway), one_to(20));
  EXPECT_EQ(central_->figures().duplicates_skipped, 10U + 5U + 5U);
}

TEST_F(SyncReplay, AnotherProtocolVersionIsRefusedByName) {
  RawClient client(port_, gateway_files(kGateway));
  client.send(hello_frame(kGateway, 0, 0, 0, kSyncProtocolVersion + 1));
  const fbs::Refused* refused = refusal(client.receive());
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->code(), fbs::RefusalCode::version_unsupported);
  EXPECT_EQ(refused->message()->str(),
            fmt::format("protocol version {} is not spoken here; central speaks version {}",
                        kSyncProtocolVersion + 1, kSyncProtocolVersion));
}

TEST_F(SyncReplay, BytesThatAreNotAMessageAreRefusedAndNothingIsApplied) {
  RawClient client(port_, gateway_files(kGateway));
  client.send(hello_frame(kGateway, 0, 0));
  ASSERT_TRUE(client.receive()->body_as_Welcome());
  client.send_bytes({16,  0,   0,   0,   'n', 'o', 't', ' ', 'a', ' ',
                     'm', 'e', 's', 's', 'a', 'g', 'e', '!', '!', '!'});
  const fbs::Refused* refused = refusal(client.receive());
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->code(), fbs::RefusalCode::malformed);
  EXPECT_NE(refused->message()->str().find("not a sync message"), std::string::npos)
      << refused->message()->str();
  EXPECT_TRUE(held_by_central(kGateway).empty());
}

// A gateway's homed stock as Gateway::stock_report serves it: one node, `on_hand` per SKU
// of the catalog, read at `as_of`.
class HomedStockSource {
 public:
  HomedStockSource(std::vector<std::int32_t> on_hand, std::uint64_t as_of)
      : on_hand_(std::move(on_hand)), as_of_(as_of) {}

  void set(std::size_t sku, std::int32_t on_hand, std::uint64_t as_of) {
    std::lock_guard lock(mutex_);
    on_hand_[sku] = on_hand;
    as_of_ = as_of;
  }

  StockReportPart part(std::uint32_t first_sku, std::uint32_t sku_count,
                       std::optional<std::uint64_t> unless_digest) {
    std::lock_guard lock(mutex_);
    const auto skus = static_cast<std::uint32_t>(on_hand_.size());
    StockReportPart part;
    part.as_of_sequence = as_of_;
    part.next_sku = std::min(skus, first_sku + sku_count);
    part.last = part.next_sku == skus;
    for (std::uint32_t sku = std::min(first_sku, skus); sku < part.next_sku; ++sku) {
      part.digest = part.digest * 1'000'003 + static_cast<std::uint64_t>(on_hand_[sku]);
      part.records.push_back({"fc-test", fmt::format("sku-{}", sku), on_hand_[sku], 0});
    }
    if (unless_digest == part.digest) part.records.clear();
    return part;
  }

 private:
  std::mutex mutex_;
  std::vector<std::int32_t> on_hand_;
  std::uint64_t as_of_;
};

std::string homed_at_central(const CentralStore& store) {
  Result<std::vector<HomedStock>> homed = store.homed_stock("");
  EXPECT_TRUE(homed) << homed.status().to_string();
  std::string rows;
  if (!homed) return rows;
  for (const HomedStock& stock : *homed)
    rows += fmt::format("{} {} as_of {};", stock.sku_id, stock.on_hand, stock.as_of_sequence);
  return rows;
}

TEST_F(SyncReplay, TheStockReportReachesCentralOnceCaughtUpThenOnlyThePartsThatChanged) {
  append(*journal_, 300);
  // Shared with the agent's hook: the agent runs until TearDown, after this body's locals.
  auto stock =
      std::make_shared<HomedStockSource>(std::vector<std::int32_t>{10, 11, 12, 13, 14}, 300);
  SyncAgentOptions options = agent_options(kGateway);
  options.stock_report_skus_per_part = 2;
  options.stock_report_interval = 20ms;
  // How much of the journal central held when the agent first asked for stock.
  auto held_at_first_part = std::make_shared<std::atomic<std::uint64_t>>(0);
  CentralServer* central = central_.get();
  start_agent(options,
              {[stock, held_at_first_part, central](std::uint32_t first, std::uint32_t count,
                                                    std::optional<std::uint64_t> unless) {
                if (held_at_first_part->load() == 0)
                  held_at_first_part->store(1 + central->figures().entries_applied);
                return stock->part(first, count, unless);
              }});
  const std::string first_report =
      "sku-0 10 as_of 300;sku-1 11 as_of 300;sku-2 12 as_of 300;sku-3 13 as_of 300;"
      "sku-4 14 as_of 300;";
  ASSERT_TRUE(eventually([&] { return homed_at_central(*operator_store()) == first_report; }))
      << homed_at_central(*operator_store()) << " " << last_error();
  // The report waited for the journal: central held all 300 entries before any record.
  EXPECT_EQ(held_at_first_part->load(), 1U + 300U);

  append(*journal_, 1);
  stock->set(3, 99, 301);
  ASSERT_TRUE(eventually([&] {
    return homed_at_central(*operator_store()) ==
           "sku-0 10 as_of 300;sku-1 11 as_of 300;sku-2 12 as_of 301;sku-3 99 as_of 301;"
           "sku-4 14 as_of 300;";
  })) << homed_at_central(*operator_store());
  const std::uint64_t walks = agent_->figures().stock_reports_completed;
  ASSERT_TRUE(eventually([&] { return agent_->figures().stock_reports_completed >= walks + 3; }));
  // Five records once, then the part of SKUs 2 and 3 again, however many walks ran.
  EXPECT_EQ(agent_->figures().stock_records_reported, 5U + 2U);
}

TEST_F(SyncReplay, AStockReportIsKeptAtItsPositionAndOneWithNegativeUnitsIsRefused) {
  RawClient client(port_, gateway_files(kGateway));
  client.send(hello_frame(kGateway, 10, 0));
  ASSERT_TRUE(client.receive()->body_as_Welcome());
  EXPECT_EQ(client.acknowledged_after(batch_of(1, 10)), 10U);
  const std::vector<StockRecordReport> report = {{"fc-test", "sku-tent", 7, 2}};
  client.send(stock_report_frame(8, report));
  ASSERT_TRUE(eventually([&] {
    return homed_at_central(*operator_store()) == "sku-tent 7 as_of 8;";
  })) << homed_at_central(*operator_store());

  const std::vector<StockRecordReport> negative = {{"fc-test", "sku-kayak", -3, 0}};
  client.send(stock_report_frame(10, negative));
  const fbs::Refused* refused = refusal(client.receive());
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->code(), fbs::RefusalCode::malformed);
  EXPECT_NE(refused->message()->str().find(
                "StockReport record 0 (sku-kayak at 'fc-test') has negative units"),
            std::string::npos)
      << refused->message()->str();
  EXPECT_EQ(homed_at_central(*operator_store()), "sku-tent 7 as_of 8;");
}

}  // namespace
}  // namespace edgeroute::sync
