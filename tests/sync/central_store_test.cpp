// Specifies central's store on real files, one fresh directory under /tmp per test:
// a replayed batch applies exactly once (duplicates skipped, an overlap applies its new
// tail, a gap or a malformed batch applies nothing), also across closing and reopening;
// read_journal() gives back the exact entries with payloads FlatBuffers can read in
// place; gateways are registered, rotated and kept apart; a full disk (max_page_count)
// applies nothing and leaves the store usable; open refuses every file that is not a
// central store, naming the path, and upgrades a store of format version 1 in place.
// Policies: only the newest pushed is offered, wave by wave, until it expires, is
// superseded or halts; what each gateway did comes from its replayed policy_change
// entries; with a wave time limit, a silent gateway holds the next wave only until its
// wave's time runs out (worked out from central's times of the answers, no timer). Node closures:
// one delivery per gateway registered at the time, applied by that gateway's replayed
// network_change entry or refused as a conflict; orders the gateways failed at a closed node are
// stranded until a reroute away from it (or a release) arrives. A reopening of a node is a closure
// record of its own, delivered the same way and applied only by the gateway's entry of the matching
// kind (node_reopened, not node_closed). A retired gateway holds no wave shut, is offered nothing,
// is sent no new closure or delta, and comes back when registered again. Stores of formats 1 to 4
// are upgraded in place, to the schema of a new store. The NodeClosure messages are
// verified as the peers read them.
// Escrow: a grant takes its units out of free shared stock, never more than is free; the
// gateways' journals apply grants, give units back and ship them, exactly once, and are
// the record (a grant only the journal holds is counted when its entry arrives); checked
// against books the test keeps through a long run of random events.
#include <sqlite3.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/gateway/journal_records.h"
#include "edgeroute/sync/central_delta.h"
#include "edgeroute/sync/central_store.h"
#include "edgeroute/sync/messages.h"
#include "edgeroute/sync/policy_bundle.h"
#include "edgeroute/testing/temporary_directory.h"

namespace edgeroute::sync {
namespace {

using journal::EntryKind;
using journal::StoredEntry;
using ::testing::HasSubstr;
using testing::TemporaryDirectory;

constexpr char kLeipzig[] = "gw-leipzig-1";
constexpr char kPoznan[] = "gw_poznan-2";
constexpr std::int64_t kSomeTimeUs = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z

std::string fingerprint(char hex_digit) {
  return std::string(64, hex_digit);
}

// An entry as the tests expect to read it back; its contents depend on the gateway and
// the sequence. Order ids and payloads vary in length, so blobs land at every offset.
struct OwnedEntry {
  std::uint64_t sequence = 0;
  EntryKind kind = EntryKind::decision;
  std::int64_t recorded_at_us = 0;
  std::string order_id;
  std::string correlation_id;
  std::vector<std::uint8_t> payload;

  friend bool operator==(const OwnedEntry&, const OwnedEntry&) = default;
};

OwnedEntry entry_of(const std::string& gateway, std::uint64_t sequence,
                    std::size_t payload_bytes = 0) {
  OwnedEntry entry;
  entry.sequence = sequence;
  entry.kind = static_cast<EntryKind>(1 + (sequence + gateway.size()) % 7);
  entry.recorded_at_us = kSomeTimeUs + static_cast<std::int64_t>(sequence) * 1000;
  entry.order_id = "SO-" + std::string(sequence % 8, 'x') + std::to_string(sequence);
  entry.correlation_id = gateway + "/" + std::to_string(sequence);
  entry.payload.resize(payload_bytes > 0 ? payload_bytes
                                         : 40 + static_cast<std::size_t>(sequence % 13));
  for (std::size_t index = 0; index < entry.payload.size(); ++index) {
    entry.payload[index] =
        static_cast<std::uint8_t>((sequence * 131 + index * 7 + gateway.size()) & 0xffU);
  }
  return entry;
}

// Entries first..first+count-1 of a gateway; entries() views them as a gateway sends them.
class Batch {
 public:
  Batch(const std::string& gateway, std::uint64_t first, std::size_t count,
        std::size_t payload_bytes = 0) {
    for (std::size_t index = 0; index < count; ++index) {
      owned_.push_back(entry_of(gateway, first + index, payload_bytes));
    }
    for (const OwnedEntry& entry : owned_) views_.push_back(view_of(entry));
  }
  explicit Batch(std::vector<OwnedEntry> owned) : owned_(std::move(owned)) {
    for (const OwnedEntry& entry : owned_) views_.push_back(view_of(entry));
  }
  std::span<const StoredEntry> entries() const { return views_; }

 private:
  static StoredEntry view_of(const OwnedEntry& entry) {
    return StoredEntry{entry.sequence, entry.kind,           entry.recorded_at_us,
                       entry.order_id, entry.correlation_id, entry.payload};
  }
  std::vector<OwnedEntry> owned_;
  std::vector<StoredEntry> views_;
};

std::vector<OwnedEntry> expected_entries(const std::string& gateway, std::uint64_t first,
                                         std::uint64_t last) {
  std::vector<OwnedEntry> entries;
  for (std::uint64_t sequence = first; sequence <= last; ++sequence) {
    entries.push_back(entry_of(gateway, sequence));
  }
  return entries;
}

// Every held entry from `from` on, copied out of the visitor; each payload must arrive
// 8-byte aligned.
std::vector<OwnedEntry> read_all(const CentralStore& store, const std::string& gateway,
                                 std::uint64_t from = 1) {
  std::vector<OwnedEntry> entries;
  const Status read = store.read_journal(gateway, from, [&](const StoredEntry& stored) {
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(stored.payload.data()) % 8, 0U)
        << "payload of entry " << stored.sequence;
    entries.push_back(OwnedEntry{stored.sequence,
                                 stored.kind,
                                 stored.recorded_at_us,
                                 std::string(stored.order_id),
                                 std::string(stored.correlation_id),
                                 {stored.payload.begin(), stored.payload.end()}});
    return Status::ok();
  });
  EXPECT_TRUE(read.is_ok()) << read.to_string();
  return entries;
}

void write_file(const std::string& path, const std::string& contents) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << path;
  EXPECT_EQ(std::fwrite(contents.data(), 1, contents.size(), file), contents.size());
  std::fclose(file);
}

// Runs SQL on `path` through a connection of its own, as an operator's tool would.
void run_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

// max_page_count is a setting of a connection, not of the file: an automatic extension
// sets it on every connection the process opens while a DatabaseSizeCap lives, the
// store's own included. Reaching it behaves as a full disk.
std::int64_t capped_page_count = 0;

int cap_database_size(sqlite3* db, char** error, const sqlite3_api_routines*) {
  const std::string sql = "PRAGMA max_page_count = " + std::to_string(capped_page_count);
  return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, error);
}

class DatabaseSizeCap {
 public:
  explicit DatabaseSizeCap(std::int64_t pages) {
    capped_page_count = pages;
    sqlite3_auto_extension(entry_point());
  }
  DatabaseSizeCap(const DatabaseSizeCap&) = delete;
  DatabaseSizeCap& operator=(const DatabaseSizeCap&) = delete;
  ~DatabaseSizeCap() { sqlite3_cancel_auto_extension(entry_point()); }

 private:
  // SQLite takes every entry point as void(*)(void) and calls it with its real type.
  static void (*entry_point())() { return reinterpret_cast<void (*)()>(&cap_database_size); }
};

class CentralStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<CentralStore> open() {
    Result<std::unique_ptr<CentralStore>> opened = open_sqlite_central_store(path_);
    EXPECT_TRUE(opened) << opened.status().to_string();
    return opened ? std::move(*opened) : nullptr;
  }

  Status open_status(const std::string& path) {
    Result<std::unique_ptr<CentralStore>> opened = open_sqlite_central_store(path);
    EXPECT_FALSE(opened) << path << " opened";
    return opened.status();
  }

  // A store with both test gateways registered.
  std::unique_ptr<CentralStore> open_registered() {
    std::unique_ptr<CentralStore> store = open();
    if (store == nullptr) return nullptr;
    EXPECT_TRUE(store->register_gateway(kLeipzig, fingerprint('a'), kSomeTimeUs).is_ok());
    EXPECT_TRUE(store->register_gateway(kPoznan, fingerprint('b'), kSomeTimeUs).is_ok());
    return store;
  }

  static AppliedBatch apply(CentralStore& store, const std::string& gateway, const Batch& batch,
                            std::int64_t now_us = kSomeTimeUs) {
    Result<AppliedBatch> applied = store.apply_journal_batch(gateway, batch.entries(), now_us);
    EXPECT_TRUE(applied) << applied.status().to_string();
    return applied ? *applied : AppliedBatch{};
  }

  static GatewayRecord record(const CentralStore& store, const std::string& gateway) {
    Result<std::optional<GatewayRecord>> found = store.gateway(gateway);
    EXPECT_TRUE(found && found->has_value()) << gateway;
    return found && found->has_value() ? **found : GatewayRecord{};
  }

  TemporaryDirectory directory_{"central-store"};
  std::string path_ = directory_ / "central.db";
};

TEST_F(CentralStoreTest, ABatchIsAppliedAndTheMarkMoves) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(record(*store, kLeipzig).acknowledged, 0U);
  const AppliedBatch applied = apply(*store, kLeipzig, Batch(kLeipzig, 1, 5), kSomeTimeUs + 7);
  EXPECT_EQ(applied.acknowledged, 5U);
  EXPECT_EQ(applied.applied, 5U);
  EXPECT_EQ(applied.duplicates, 0U);
  const GatewayRecord leipzig = record(*store, kLeipzig);
  EXPECT_EQ(leipzig.acknowledged, 5U);
  EXPECT_EQ(leipzig.newest_entry_recorded_at_us, entry_of(kLeipzig, 5).recorded_at_us);
  EXPECT_EQ(leipzig.last_contact_us, kSomeTimeUs + 7);
  EXPECT_EQ(read_all(*store, kLeipzig), expected_entries(kLeipzig, 1, 5));
}

TEST_F(CentralStoreTest, TheSameBatchAgainIsAllDuplicatesAndChangesNothing) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  const Batch batch(kLeipzig, 1, 5);
  apply(*store, kLeipzig, batch);
  const AppliedBatch again = apply(*store, kLeipzig, batch);
  EXPECT_EQ(again.acknowledged, 5U);
  EXPECT_EQ(again.applied, 0U);
  EXPECT_EQ(again.duplicates, 5U);
  EXPECT_EQ(record(*store, kLeipzig).acknowledged, 5U);
  EXPECT_EQ(read_all(*store, kLeipzig), expected_entries(kLeipzig, 1, 5));
}

TEST_F(CentralStoreTest, AnOverlappingBatchAppliesOnlyItsNewTail) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  apply(*store, kLeipzig, Batch(kLeipzig, 1, 5));
  // Entries 3..5 arrive again with other bytes: they are skipped, not compared.
  std::vector<OwnedEntry> overlapping = expected_entries(kLeipzig, 3, 8);
  for (std::size_t index = 0; index < 3; ++index) overlapping[index].payload.assign(9, 0xEE);
  const AppliedBatch applied = apply(*store, kLeipzig, Batch(std::move(overlapping)));
  EXPECT_EQ(applied.acknowledged, 8U);
  EXPECT_EQ(applied.applied, 3U);
  EXPECT_EQ(applied.duplicates, 3U);
  EXPECT_EQ(record(*store, kLeipzig).newest_entry_recorded_at_us,
            entry_of(kLeipzig, 8).recorded_at_us);
  EXPECT_EQ(read_all(*store, kLeipzig), expected_entries(kLeipzig, 1, 8));
}

TEST_F(CentralStoreTest, ABatchThatSkipsAheadIsRefusedNamingTheGapUntilTheMissingOnesArrive) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  Result<AppliedBatch> first =
      store->apply_journal_batch(kPoznan, Batch(kPoznan, 2, 3).entries(), kSomeTimeUs);
  EXPECT_EQ(first.status().code(), StatusCode::failed_precondition);
  EXPECT_THAT(first.status().message(), HasSubstr("holds up to 0, batch starts at 2"));

  apply(*store, kLeipzig, Batch(kLeipzig, 1, 3));
  const Batch ahead(kLeipzig, 6, 3);
  Result<AppliedBatch> refused =
      store->apply_journal_batch(kLeipzig, ahead.entries(), kSomeTimeUs + 1);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().code(), StatusCode::failed_precondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("sequence gap"));
  EXPECT_THAT(refused.status().message(), HasSubstr("holds up to 3, batch starts at 6"));
  EXPECT_THAT(refused.status().message(), HasSubstr(kLeipzig));
  const GatewayRecord unchanged = record(*store, kLeipzig);
  EXPECT_EQ(unchanged.acknowledged, 3U);
  EXPECT_EQ(unchanged.last_contact_us, kSomeTimeUs);
  EXPECT_EQ(read_all(*store, kLeipzig), expected_entries(kLeipzig, 1, 3));

  EXPECT_EQ(apply(*store, kLeipzig, Batch(kLeipzig, 4, 2)).acknowledged, 5U);
  const AppliedBatch applied = apply(*store, kLeipzig, ahead);
  EXPECT_EQ(applied.acknowledged, 8U);
  EXPECT_EQ(applied.applied, 3U);
  EXPECT_EQ(read_all(*store, kLeipzig), expected_entries(kLeipzig, 1, 8));
}

TEST_F(CentralStoreTest, EntriesThatDoNotAscendByOneAreRefusedAndNothingIsApplied) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  const std::vector<std::vector<std::uint64_t>> malformed = {
      {1, 2, 4}, {2, 1}, {1, 1}, {1, 3}, {0, 1}};
  for (const std::vector<std::uint64_t>& sequences : malformed) {
    std::vector<OwnedEntry> entries;
    for (const std::uint64_t sequence : sequences) entries.push_back(entry_of(kLeipzig, sequence));
    const Batch batch(std::move(entries));
    Result<AppliedBatch> refused = store->apply_journal_batch(kLeipzig, batch.entries(), 0);
    EXPECT_EQ(refused.status().code(), StatusCode::invalid_argument)
        << sequences.size() << " entries from " << sequences.front();
  }
  EXPECT_EQ(record(*store, kLeipzig).acknowledged, 0U);
  EXPECT_TRUE(read_all(*store, kLeipzig).empty());
}

TEST_F(CentralStoreTest, AnUnknownGatewayIsNotFound) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  Result<std::optional<GatewayRecord>> found = store->gateway("gw-nowhere");
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
  Result<AppliedBatch> refused =
      store->apply_journal_batch("gw-nowhere", Batch("gw-nowhere", 1, 2).entries(), 0);
  EXPECT_EQ(refused.status().code(), StatusCode::not_found);
  EXPECT_THAT(refused.status().message(), HasSubstr("gw-nowhere"));
  EXPECT_EQ(store->record_contact("gw-nowhere", 0, 0, 0).code(), StatusCode::not_found);
  const Status read =
      store->read_journal("gw-nowhere", 1, [](const StoredEntry&) { return Status::ok(); });
  EXPECT_EQ(read.code(), StatusCode::not_found);
  Result<std::vector<GatewayRecord>> all = store->gateways();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2U);
}

TEST_F(CentralStoreTest, AnUnknownEntryKindIsRefusedAndNothingOfTheBatchIsApplied) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  for (const unsigned kind : {0U, 9U, 255U}) {
    std::vector<OwnedEntry> entries = expected_entries(kLeipzig, 1, 3);
    entries[2].kind = static_cast<EntryKind>(kind);
    const Batch batch(std::move(entries));
    Result<AppliedBatch> refused = store->apply_journal_batch(kLeipzig, batch.entries(), 0);
    EXPECT_EQ(refused.status().code(), StatusCode::invalid_argument) << "kind " << kind;
  }
  EXPECT_EQ(record(*store, kLeipzig).acknowledged, 0U);
  EXPECT_TRUE(read_all(*store, kLeipzig).empty());
}

TEST_F(CentralStoreTest, EverythingSurvivesReopeningAndAReplayAfterItIsAllDuplicates) {
  const Batch batch(kLeipzig, 1, 6);
  {
    std::unique_ptr<CentralStore> store = open_registered();
    ASSERT_NE(store, nullptr);
    apply(*store, kLeipzig, batch, kSomeTimeUs + 5);
    apply(*store, kPoznan, Batch(kPoznan, 1, 2));
    ASSERT_TRUE(store->record_contact(kPoznan, kSomeTimeUs + 9, 40, -2500).is_ok());
  }
  std::unique_ptr<CentralStore> store = open();
  ASSERT_NE(store, nullptr);
  Result<std::vector<GatewayRecord>> all = store->gateways();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2U);
  const GatewayRecord& leipzig = (*all)[0];
  EXPECT_EQ(leipzig.gateway_id, kLeipzig);
  EXPECT_EQ(leipzig.certificate_sha256, fingerprint('a'));
  EXPECT_EQ(leipzig.acknowledged, 6U);
  EXPECT_EQ(leipzig.newest_entry_recorded_at_us, entry_of(kLeipzig, 6).recorded_at_us);
  EXPECT_EQ(leipzig.registered_at_us, kSomeTimeUs);
  EXPECT_EQ(leipzig.last_contact_us, kSomeTimeUs + 5);
  EXPECT_EQ((*all)[1].acknowledged, 2U);
  EXPECT_EQ((*all)[1].last_contact_us, kSomeTimeUs + 9);
  EXPECT_EQ((*all)[1].reported_newest_sequence, 40U);
  EXPECT_EQ((*all)[1].clock_skew_us, -2500);
  EXPECT_EQ(leipzig.reported_newest_sequence, 0U) << "never said hello";

  // The gateway never heard the acknowledgement and replays: exactly once still.
  const AppliedBatch replayed = apply(*store, kLeipzig, batch);
  EXPECT_EQ(replayed.applied, 0U);
  EXPECT_EQ(replayed.duplicates, 6U);
  EXPECT_EQ(apply(*store, kLeipzig, Batch(kLeipzig, 7, 1)).acknowledged, 7U);
  EXPECT_EQ(read_all(*store, kLeipzig), expected_entries(kLeipzig, 1, 7));
  EXPECT_EQ(read_all(*store, kPoznan), expected_entries(kPoznan, 1, 2));
}

TEST_F(CentralStoreTest, ReadJournalGivesExactAlignedEntriesFromAGivenSequence) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  // Order ids of 0..7 extra characters and payloads of 40..52 bytes put the blobs at
  // every offset within their pages.
  apply(*store, kLeipzig, Batch(kLeipzig, 1, 40));
  EXPECT_EQ(read_all(*store, kLeipzig, 0), expected_entries(kLeipzig, 1, 40));
  EXPECT_EQ(read_all(*store, kLeipzig, 17), expected_entries(kLeipzig, 17, 40));
  EXPECT_EQ(read_all(*store, kLeipzig, 40), expected_entries(kLeipzig, 40, 40));
  EXPECT_TRUE(read_all(*store, kLeipzig, 41).empty());
  // An empty payload reads back empty.
  std::vector<OwnedEntry> empty_payload = {entry_of(kLeipzig, 41)};
  empty_payload[0].payload.clear();
  apply(*store, kLeipzig, Batch(empty_payload));
  EXPECT_EQ(read_all(*store, kLeipzig, 41), empty_payload);
}

TEST_F(CentralStoreTest, TheVisitorStopsTheScanAndItsStatusComesBack) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  apply(*store, kLeipzig, Batch(kLeipzig, 1, 10));
  std::vector<std::uint64_t> visited;
  const Status stopped = store->read_journal(kLeipzig, 2, [&](const StoredEntry& entry) {
    visited.push_back(entry.sequence);
    if (entry.sequence == 4) return Status(StatusCode::out_of_range, "enough");
    return Status::ok();
  });
  EXPECT_EQ(stopped, Status(StatusCode::out_of_range, "enough"));
  EXPECT_EQ(visited, (std::vector<std::uint64_t>{2, 3, 4}));
  // The interrupted scan holds nothing: the next batch commits.
  EXPECT_EQ(apply(*store, kLeipzig, Batch(kLeipzig, 11, 1)).acknowledged, 11U);
}

TEST_F(CentralStoreTest, WritesFromInsideAVisitorAreRefused) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  apply(*store, kLeipzig, Batch(kLeipzig, 1, 2));
  const Batch next(kLeipzig, 3, 1);
  Status nested;
  const Status read = store->read_journal(kLeipzig, 1, [&](const StoredEntry&) {
    nested = store->apply_journal_batch(kLeipzig, next.entries(), 0).status();
    return Status::ok();
  });
  EXPECT_TRUE(read.is_ok()) << read.to_string();
  EXPECT_EQ(nested.code(), StatusCode::failed_precondition);
  EXPECT_EQ(record(*store, kLeipzig).acknowledged, 2U);
}

TEST_F(CentralStoreTest, TwoGatewaysJournalsAreIndependent) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  apply(*store, kLeipzig, Batch(kLeipzig, 1, 5));
  // Poznań's first batch starts at 1 although Leipzig holds 1..5.
  const AppliedBatch poznan = apply(*store, kPoznan, Batch(kPoznan, 1, 3));
  EXPECT_EQ(poznan.applied, 3U);
  EXPECT_EQ(poznan.duplicates, 0U);
  EXPECT_FALSE(store->apply_journal_batch(kPoznan, Batch(kPoznan, 6, 1).entries(), 0));
  EXPECT_EQ(record(*store, kLeipzig).acknowledged, 5U);
  EXPECT_EQ(record(*store, kPoznan).acknowledged, 3U);
  EXPECT_EQ(read_all(*store, kLeipzig), expected_entries(kLeipzig, 1, 5));
  EXPECT_EQ(read_all(*store, kPoznan), expected_entries(kPoznan, 1, 3));
}

TEST_F(CentralStoreTest, ReRegisteringReplacesTheCertificateAndKeepsTheJournal) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  apply(*store, kLeipzig, Batch(kLeipzig, 1, 4));
  ASSERT_TRUE(store->register_gateway(kLeipzig, fingerprint('c'), kSomeTimeUs + 100).is_ok());
  const GatewayRecord rotated = record(*store, kLeipzig);
  EXPECT_EQ(rotated.certificate_sha256, fingerprint('c'));
  EXPECT_EQ(rotated.acknowledged, 4U);
  EXPECT_EQ(rotated.registered_at_us, kSomeTimeUs);
  EXPECT_EQ(record(*store, kPoznan).certificate_sha256, fingerprint('b'));
  EXPECT_EQ(read_all(*store, kLeipzig), expected_entries(kLeipzig, 1, 4));
  Result<std::vector<GatewayRecord>> all = store->gateways();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2U);
}

TEST_F(CentralStoreTest, RetiringKeepsTheFirstTimeAndRegisteringAgainBringsTheGatewayBack) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  apply(*store, kLeipzig, Batch(kLeipzig, 1, 3));
  EXPECT_EQ(record(*store, kLeipzig).retired_at_us, 0) << "registered: active";
  ASSERT_TRUE(store->retire_gateway(kLeipzig, kSomeTimeUs + 5).is_ok());
  ASSERT_TRUE(store->retire_gateway(kLeipzig, kSomeTimeUs + 9).is_ok()) << "again: ok";
  Result<std::vector<GatewayRecord>> all = store->gateways();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2U) << "a retired gateway is still listed";
  EXPECT_EQ((*all)[0].gateway_id, kLeipzig);
  EXPECT_EQ((*all)[0].retired_at_us, kSomeTimeUs + 5) << "the first time stands";
  EXPECT_TRUE((*all)[0].retired());
  EXPECT_FALSE((*all)[1].retired());
  EXPECT_EQ(read_all(*store, kLeipzig), expected_entries(kLeipzig, 1, 3));

  // Registered again (a rotated certificate, say): active, its journal where it stood.
  ASSERT_TRUE(store->register_gateway(kLeipzig, fingerprint('c'), kSomeTimeUs + 20).is_ok());
  const GatewayRecord back = record(*store, kLeipzig);
  EXPECT_EQ(back.retired_at_us, 0);
  EXPECT_EQ(back.certificate_sha256, fingerprint('c'));
  EXPECT_EQ(back.acknowledged, 3U);
  EXPECT_EQ(back.registered_at_us, kSomeTimeUs);
  EXPECT_EQ(apply(*store, kLeipzig, Batch(kLeipzig, 4, 1)).acknowledged, 4U);
}

TEST_F(CentralStoreTest, AGatewayNeverRegisteredCannotBeRetired) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  const Status unknown = store->retire_gateway("gw-nowhere", kSomeTimeUs);
  EXPECT_EQ(unknown.code(), StatusCode::not_found);
  EXPECT_THAT(unknown.message(), HasSubstr("gateway 'gw-nowhere' is not registered"));
  EXPECT_EQ(store->retire_gateway(kLeipzig, 0).code(), StatusCode::invalid_argument)
      << "0 is what an active gateway's time reads";
  Result<std::vector<GatewayRecord>> all = store->gateways();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2U);
  EXPECT_FALSE((*all)[0].retired());
  EXPECT_FALSE((*all)[1].retired());
}

TEST_F(CentralStoreTest, InvalidGatewayIdsAndFingerprintsAreRefusedNamingThem) {
  std::unique_ptr<CentralStore> store = open();
  ASSERT_NE(store, nullptr);
  for (const std::string& id :
       {std::string(), std::string("Gw-1"), std::string("gw 1"), std::string("gw.1"),
        std::string("gw/1"), std::string("gw-ü"), std::string(65, 'g')}) {
    const Status refused = store->register_gateway(id, fingerprint('a'), 0);
    EXPECT_EQ(refused.code(), StatusCode::invalid_argument) << "'" << id << "'";
    EXPECT_THAT(refused.message(), HasSubstr("'" + id + "'"));
  }
  for (const std::string& sha256 :
       {std::string(), std::string(63, 'a'), std::string(65, 'a'), std::string(64, 'A'),
        std::string(64, 'g'), fingerprint('0').replace(10, 1, ":")}) {
    const Status refused = store->register_gateway(kLeipzig, sha256, 0);
    EXPECT_EQ(refused.code(), StatusCode::invalid_argument) << "'" << sha256 << "'";
    EXPECT_THAT(refused.message(), HasSubstr("'" + sha256 + "'"));
  }
  Result<std::vector<GatewayRecord>> none = store->gateways();
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  for (const std::string& id : {std::string(64, 'g'), std::string("a"), std::string("gw_1-x9")}) {
    EXPECT_TRUE(store->register_gateway(id, fingerprint('f'), 0).is_ok()) << id;
  }
}

TEST_F(CentralStoreTest, AFullDiskAppliesNothingAndTheStoreGoesOn) {
  {
    std::unique_ptr<CentralStore> store = open_registered();
    ASSERT_NE(store, nullptr);
    apply(*store, kLeipzig, Batch(kLeipzig, 1, 4));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* count = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &count, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  const std::int64_t pages = sqlite3_column_int64(count, 0);
  sqlite3_finalize(count);
  sqlite3_close(db);

  constexpr std::size_t kLargePayload = 2000;
  std::uint64_t last = 4;
  Status full;
  {
    // 40 pages more: the 16 × 2 kB batches below fill it within a few.
    const DatabaseSizeCap cap(pages + 40);
    std::unique_ptr<CentralStore> store = open();
    ASSERT_NE(store, nullptr);
    for (int attempt = 0; attempt < 50 && full.is_ok(); ++attempt) {
      const Batch batch(kLeipzig, last + 1, 16, kLargePayload);
      Result<AppliedBatch> applied = store->apply_journal_batch(kLeipzig, batch.entries(), 0);
      if (applied) {
        last = applied->acknowledged;
      } else {
        full = applied.status();
      }
    }
    ASSERT_EQ(full.code(), StatusCode::no_space) << full.to_string();
    EXPECT_THAT(full.message(), HasSubstr(path_));
    EXPECT_GT(last, 4U);
    EXPECT_EQ(record(*store, kLeipzig).acknowledged, last);
    EXPECT_EQ(read_all(*store, kLeipzig).size(), last);
    // Still usable: the same batch fails the same way, a contact is recorded.
    const Batch again(kLeipzig, last + 1, 16, kLargePayload);
    EXPECT_EQ(store->apply_journal_batch(kLeipzig, again.entries(), 0).status().code(),
              StatusCode::no_space);
    EXPECT_TRUE(store->record_contact(kPoznan, kSomeTimeUs + 3, 2, 0).is_ok());
  }
  std::unique_ptr<CentralStore> store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(record(*store, kLeipzig).acknowledged, last);
  EXPECT_EQ(record(*store, kPoznan).last_contact_us, kSomeTimeUs + 3);
  const AppliedBatch applied =
      apply(*store, kLeipzig, Batch(kLeipzig, last + 1, 16, kLargePayload));
  EXPECT_EQ(applied.applied, 16U);
  EXPECT_EQ(applied.acknowledged, last + 16);
  EXPECT_EQ(read_all(*store, kLeipzig, 1).size(), last + 16);
}

TEST_F(CentralStoreTest, AFileOfRandomBytesOrAnEmptyFileIsCorruptionNamingThePath) {
  std::mt19937 random(20260101);
  std::string noise(8192, '\0');
  for (char& byte : noise) byte = static_cast<char>(random() & 0xffU);
  write_file(path_, noise);
  const Status random_bytes = open_status(path_);
  EXPECT_EQ(random_bytes.code(), StatusCode::corruption) << random_bytes.to_string();
  EXPECT_THAT(random_bytes.message(), HasSubstr(path_));

  const std::string empty_path = directory_ / "empty.db";
  write_file(empty_path, "");
  const Status empty = open_status(empty_path);
  EXPECT_EQ(empty.code(), StatusCode::corruption) << empty.to_string();
  EXPECT_THAT(empty.message(), HasSubstr(empty_path));
}

TEST_F(CentralStoreTest, AnotherApplicationsDatabaseOrANewerFormatIsFailedPrecondition) {
  run_sql(path_, "PRAGMA application_id = 42; CREATE TABLE gateways (id TEXT);");
  const Status foreign = open_status(path_);
  EXPECT_EQ(foreign.code(), StatusCode::failed_precondition) << foreign.to_string();
  EXPECT_THAT(foreign.message(), HasSubstr(path_));

  const std::string newer_path = directory_ / "newer.db";
  {
    Result<std::unique_ptr<CentralStore>> created = open_sqlite_central_store(newer_path);
    ASSERT_TRUE(created) << created.status().to_string();
  }
  run_sql(newer_path, "PRAGMA user_version = 8");
  const Status newer = open_status(newer_path);
  EXPECT_EQ(newer.code(), StatusCode::failed_precondition) << newer.to_string();
  EXPECT_THAT(newer.message(), HasSubstr(newer_path));
}

TEST_F(CentralStoreTest, ARelativePathIsInvalidArgument) {
  EXPECT_EQ(open_status("central.db").code(), StatusCode::invalid_argument);
  EXPECT_EQ(open_status("").code(), StatusCode::invalid_argument);
}

using State = InventoryDelta::State;

// Entry `sequence` of the gateway as the inventory adjustment journaled under
// `correlation_id` (a delta's).
OwnedEntry adjustment_applying(const std::string& gateway, std::uint64_t sequence,
                               const std::string& correlation_id) {
  OwnedEntry entry = entry_of(gateway, sequence);
  entry.kind = EntryKind::inventory_adjustment;
  entry.order_id.clear();
  entry.correlation_id = correlation_id;
  return entry;
}

class CentralStoreDeltas : public CentralStoreTest {
 protected:
  static std::string correlation_of(const CentralStore& store, std::uint64_t delta_id) {
    Result<std::vector<InventoryDelta>> all = store.inventory_deltas("", std::nullopt);
    EXPECT_TRUE(all);
    for (const InventoryDelta& delta : *all)
      if (delta.id == delta_id) return delta.correlation_id;
    ADD_FAILURE() << "no delta " << delta_id;
    return "";
  }
};

TEST_F(CentralStoreDeltas, ADeltaIsPendingUntilTheEntryThatAppliedItArrivesThenApplied) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  Result<std::uint64_t> first =
      store->add_inventory_delta(kLeipzig, "fc-leipzig", "sku-tent", 12, "PO 4711", kSomeTimeUs);
  Result<std::uint64_t> second =
      store->add_inventory_delta(kPoznan, "fc-poznan", "sku-tent", -3, "write-off", kSomeTimeUs);
  ASSERT_TRUE(first && second);
  EXPECT_LT(*first, *second);
  Result<std::vector<InventoryDelta>> pending = store->inventory_deltas(kLeipzig, State::pending);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1U);
  EXPECT_EQ((*pending)[0].id, *first);
  EXPECT_EQ((*pending)[0].node_id, "fc-leipzig");
  EXPECT_EQ((*pending)[0].units, 12);
  EXPECT_EQ((*pending)[0].reason, "PO 4711");
  EXPECT_TRUE(names_central_delta((*pending)[0].correlation_id)) << (*pending)[0].correlation_id;
  EXPECT_NE((*pending)[0].correlation_id, correlation_of(*store, *second));

  // Entries 1..2 ordinary, 3 the adjustment that applied the delta, replayed twice.
  const Batch batch({entry_of(kLeipzig, 1), entry_of(kLeipzig, 2),
                     adjustment_applying(kLeipzig, 3, (*pending)[0].correlation_id)});
  apply(*store, kLeipzig, batch, kSomeTimeUs + 7);
  apply(*store, kLeipzig, batch, kSomeTimeUs + 8);
  Result<std::vector<InventoryDelta>> all = store->inventory_deltas("", std::nullopt);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2U);
  EXPECT_EQ((*all)[0].state, State::applied);
  EXPECT_EQ((*all)[0].applied_at_sequence, 3U);
  EXPECT_EQ((*all)[0].settled_at_us, kSomeTimeUs + 7);
  EXPECT_EQ((*all)[1].state, State::pending) << "another gateway's delta is untouched";
}

TEST_F(CentralStoreDeltas, AnEntryOfAnotherGatewayNamingTheDeltaDoesNotApplyIt) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  Result<std::uint64_t> delta =
      store->add_inventory_delta(kLeipzig, "fc-leipzig", "sku-tent", 5, "", kSomeTimeUs);
  ASSERT_TRUE(delta);
  apply(*store, kPoznan, Batch({adjustment_applying(kPoznan, 1, correlation_of(*store, *delta))}));
  EXPECT_EQ(store->inventory_deltas(kLeipzig, State::pending)->size(), 1U);
}

TEST_F(CentralStoreDeltas, ACentralRestoredFromAnOlderCopyIsNotFooledByAnOldEntry) {
  std::string applied_before;
  {
    std::unique_ptr<CentralStore> store = open_registered();
    ASSERT_NE(store, nullptr);
    Result<std::uint64_t> delta =
        store->add_inventory_delta(kLeipzig, "fc-leipzig", "sku-a", 5, "", kSomeTimeUs);
    ASSERT_TRUE(delta);
    applied_before = correlation_of(*store, *delta);
  }
  // The copy restored predates that delta: it is gone, and its id is handed out again.
  std::filesystem::remove(path_);
  std::unique_ptr<CentralStore> restored = open_registered();
  ASSERT_NE(restored, nullptr);
  Result<std::uint64_t> reused =
      restored->add_inventory_delta(kLeipzig, "fc-leipzig", "sku-b", -3, "", kSomeTimeUs);
  ASSERT_TRUE(reused);
  // The gateway replays the entry that applied the old delta.
  apply(*restored, kLeipzig, Batch({adjustment_applying(kLeipzig, 1, applied_before)}));
  Result<std::vector<InventoryDelta>> pending =
      restored->inventory_deltas(kLeipzig, State::pending);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1U) << "the new delta was taken as applied";
  EXPECT_EQ((*pending)[0].sku_id, "sku-b");
}

TEST_F(CentralStoreDeltas, ARefusedDeltaIsAConflictAndCannotBeSettledTwice) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  Result<std::uint64_t> delta =
      store->add_inventory_delta(kLeipzig, "fc-leipzig", "sku-nowhere", 5, "", kSomeTimeUs);
  ASSERT_TRUE(delta);
  EXPECT_EQ(store->refuse_inventory_delta(*delta, kPoznan, "not mine", kSomeTimeUs).code(),
            StatusCode::not_found);
  ASSERT_TRUE(
      store->refuse_inventory_delta(*delta, kLeipzig, "unknown SKU 'sku-nowhere'", kSomeTimeUs + 1)
          .is_ok());
  Result<std::vector<InventoryDelta>> refused = store->inventory_deltas("", State::refused);
  ASSERT_TRUE(refused);
  ASSERT_EQ(refused->size(), 1U);
  EXPECT_EQ((*refused)[0].refusal, "unknown SKU 'sku-nowhere'");
  const Status again = store->refuse_inventory_delta(*delta, kLeipzig, "again", kSomeTimeUs + 2);
  EXPECT_EQ(again.code(), StatusCode::failed_precondition);
  EXPECT_THAT(again.message(), HasSubstr("is refused, not pending"));
  // An entry naming it later (it cannot happen: the gateway refused it) changes nothing.
  apply(*store, kLeipzig,
        Batch({adjustment_applying(kLeipzig, 1, correlation_of(*store, *delta))}));
  EXPECT_EQ(store->inventory_deltas("", State::refused)->size(), 1U);
}

TEST_F(CentralStoreDeltas, NoDeltaIsAddedForARetiredGatewayAndItsPendingOnesStay) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->add_inventory_delta(kLeipzig, "fc-leipzig", "sku-a", 5, "", kSomeTimeUs));
  ASSERT_TRUE(store->retire_gateway(kLeipzig, kSomeTimeUs + 1).is_ok());
  const Result<std::uint64_t> refused =
      store->add_inventory_delta(kLeipzig, "fc-leipzig", "sku-b", 5, "", kSomeTimeUs + 2);
  EXPECT_EQ(refused.status().code(), StatusCode::failed_precondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("gateway 'gw-leipzig-1' is retired"));
  Result<std::vector<InventoryDelta>> pending = store->inventory_deltas("", State::pending);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1U) << "the refused delta left nothing behind";
  EXPECT_EQ((*pending)[0].sku_id, "sku-a") << "the delta from before stays pending";
  ASSERT_TRUE(store->register_gateway(kLeipzig, fingerprint('a'), kSomeTimeUs + 3).is_ok());
  EXPECT_TRUE(store->add_inventory_delta(kLeipzig, "fc-leipzig", "sku-b", 5, "", kSomeTimeUs + 4));
}

TEST_F(CentralStoreDeltas, ADeltaNeedsAKnownGatewayANodeASkuAndUnits) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->add_inventory_delta("gw-nowhere", "n", "s", 1, "", 0).status().code(),
            StatusCode::not_found);
  EXPECT_EQ(store->add_inventory_delta(kLeipzig, "n", "s", 0, "", 0).status().code(),
            StatusCode::invalid_argument);
  EXPECT_EQ(store->add_inventory_delta(kLeipzig, "", "s", 1, "", 0).status().code(),
            StatusCode::invalid_argument);
  EXPECT_EQ(
      store
          ->add_inventory_delta(kLeipzig, "n", "s", std::numeric_limits<std::int32_t>::min(), "", 0)
          .status()
          .code(),
      StatusCode::invalid_argument);
  EXPECT_TRUE(store->inventory_deltas("", std::nullopt)->empty());
}

// A store as format version 1 left it, written the way that build wrote it.
constexpr char kFormatOneSchemaSql[] = R"sql(
PRAGMA application_id = 1163019091;
PRAGMA user_version = 1;
CREATE TABLE gateways (
  id TEXT PRIMARY KEY NOT NULL,
  certificate_sha256 TEXT NOT NULL,
  acknowledged INTEGER NOT NULL CHECK (acknowledged >= 0),
  newest_entry_recorded_at_us INTEGER NOT NULL,
  registered_at_us INTEGER NOT NULL,
  last_contact_us INTEGER NOT NULL,
  reported_newest_sequence INTEGER NOT NULL CHECK (reported_newest_sequence >= 0),
  clock_skew_us INTEGER NOT NULL
) STRICT;
CREATE TABLE journal_entries (
  gateway_id TEXT NOT NULL,
  sequence INTEGER NOT NULL CHECK (sequence > 0),
  kind INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 255),
  recorded_at_us INTEGER NOT NULL,
  order_id TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  payload BLOB NOT NULL,
  received_at_us INTEGER NOT NULL,
  PRIMARY KEY (gateway_id, sequence)
) STRICT;
CREATE TABLE inventory_deltas (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  gateway_id TEXT NOT NULL REFERENCES gateways (id),
  node_id TEXT NOT NULL,
  sku_id TEXT NOT NULL,
  units INTEGER NOT NULL CHECK (units != 0),
  reason TEXT NOT NULL,
  correlation_id TEXT NOT NULL UNIQUE,
  created_at_us INTEGER NOT NULL,
  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 2),
  applied_at_sequence INTEGER NOT NULL,
  refusal TEXT NOT NULL,
  settled_at_us INTEGER NOT NULL
) STRICT;
INSERT INTO gateways VALUES ('gw-leipzig-1', '$FINGERPRINT', 2, 1767225600002000,
                             1767225600000000, 1767225600000007, 2, -40);
INSERT INTO journal_entries VALUES
  ('gw-leipzig-1', 1, 1, 1767225600001000, 'SO-1', 'gw-leipzig-1/1', X'0102030405060708', 7),
  ('gw-leipzig-1', 2, 3, 1767225600002000, '', 'central-delta:000000000000002a', X'09', 7);
INSERT INTO inventory_deltas VALUES (1, 'gw-leipzig-1', 'fc-leipzig', 'sku-tent', 12, 'PO 4711',
  'central-delta:000000000000002a', 5, 1, 2, '', 7);
)sql";

// The first column of the first row, as text ("" for NULL).
std::string query_text(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK) << sql;
  EXPECT_EQ(sqlite3_step(statement), SQLITE_ROW) << sql;
  const unsigned char* text = sqlite3_column_text(statement, 0);
  std::string value = text != nullptr ? reinterpret_cast<const char*>(text) : "";
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

std::int64_t query_integer(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK) << sql;
  EXPECT_EQ(sqlite3_step(statement), SQLITE_ROW) << sql;
  const std::int64_t value = sqlite3_column_int64(statement, 0);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

TEST_F(CentralStoreTest, AFormatOneStoreIsUpgradedInPlaceWithItsDataIntact) {
  std::string schema = kFormatOneSchemaSql;
  schema.replace(schema.find("$FINGERPRINT"), 12, fingerprint('a'));
  run_sql(path_, schema);
  {
    std::unique_ptr<CentralStore> store = open();
    ASSERT_NE(store, nullptr);
    const GatewayRecord leipzig = record(*store, kLeipzig);
    EXPECT_EQ(leipzig.certificate_sha256, fingerprint('a'));
    EXPECT_EQ(leipzig.acknowledged, 2U);
    EXPECT_EQ(leipzig.clock_skew_us, -40);
    const std::vector<OwnedEntry> held = read_all(*store, kLeipzig);
    ASSERT_EQ(held.size(), 2U);
    EXPECT_EQ(held[0].order_id, "SO-1");
    EXPECT_EQ(held[0].payload, (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8}));
    EXPECT_EQ(held[1].kind, EntryKind::inventory_adjustment);
    Result<std::vector<InventoryDelta>> deltas = store->inventory_deltas("", std::nullopt);
    ASSERT_TRUE(deltas);
    ASSERT_EQ(deltas->size(), 1U);
    EXPECT_EQ((*deltas)[0].state, InventoryDelta::State::applied);
    EXPECT_EQ((*deltas)[0].applied_at_sequence, 2U);
    // The journal goes on where it stood, and the new tables work.
    EXPECT_EQ(apply(*store, kLeipzig, Batch(kLeipzig, 3, 2)).acknowledged, 4U);
    Result<std::vector<PolicyRollout>> rollouts = store->policy_rollouts(kSomeTimeUs);
    ASSERT_TRUE(rollouts) << rollouts.status().to_string();
    EXPECT_TRUE(rollouts->empty());
    Result<std::uint64_t> closure = store->add_node_closure("fc-leipzig", "flood", kSomeTimeUs);
    ASSERT_TRUE(closure) << closure.status().to_string();
    EXPECT_EQ(store->node_closure_deliveries(kLeipzig, std::nullopt)->size(), 1U);
  }
  EXPECT_EQ(query_integer(path_, "PRAGMA user_version"), 7);
  EXPECT_EQ(query_integer(path_,
                          "SELECT count(*) FROM sqlite_schema WHERE name IN "
                          "('policies', 'policy_outcomes', 'node_closures', "
                          "'node_closure_deliveries', 'stranded_orders')"),
            5);
  std::unique_ptr<CentralStore> reopened = open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(record(*reopened, kLeipzig).acknowledged, 4U);
}

// Policies: a key of the tests' own, bundles of any version, and policy_change entries as
// the gateway journals them.
const SigningKey& test_signing_key() {
  static const SigningKey key = generate_signing_key();
  return key;
}

constexpr std::int64_t kHourUs = 3'600'000'000;
constexpr std::int64_t kMinuteUs = 60'000'000;

std::vector<std::uint8_t> bundle_of(std::uint64_t version) {
  PolicyBundleContents contents;
  contents.version = version;
  contents.issued_at_us = kSomeTimeUs;
  contents.expires_at_us = kSomeTimeUs + 24 * kHourUs;
  contents.policy_json = R"({"version": )" + std::to_string(version) + "}";
  return sign_policy_bundle(contents, test_signing_key());
}

PolicyRelease release_of(std::uint64_t version, std::uint32_t wave_size = 0,
                         std::uint32_t max_failures = 1,
                         std::int64_t expires_at_us = kSomeTimeUs + 24 * kHourUs) {
  PolicyRelease release;
  release.version = version;
  release.signed_bundle = bundle_of(version);
  release.expires_at_us = expires_at_us;
  release.wave_size = wave_size;
  release.max_failures = max_failures;
  return release;
}

// Entry `sequence` of the gateway: a policy_change about `version`.
OwnedEntry policy_change(const std::string& gateway, std::uint64_t sequence,
                         gateway::fbs::PolicyChangeKind change, std::uint64_t version,
                         std::string_view reason = "", std::uint64_t active_version = 0) {
  OwnedEntry entry = entry_of(gateway, sequence);
  entry.kind = EntryKind::policy_change;
  entry.order_id.clear();
  entry.correlation_id.clear();
  gateway::PolicyChangeFacts facts;
  facts.change = change;
  facts.version = version;
  facts.active_version = active_version == 0 ? version : active_version;
  const std::string policy_json = R"({"version": )" + std::to_string(version) + "}";
  if (change == gateway::fbs::PolicyChangeKind::trial) facts.policy_json = policy_json;
  facts.reason = reason;
  entry.payload = gateway::build_policy_change_record(facts);
  return entry;
}

using Change = gateway::fbs::PolicyChangeKind;
using Standing = PolicyRollout::Standing;
using RolloutState = PolicyRollout::State;

class CentralStorePolicies : public CentralStoreTest {
 protected:
  // A store with `count` gateways, gw-1, gw-2, ... (in id order for count < 10).
  std::unique_ptr<CentralStore> open_with_gateways(int count) {
    std::unique_ptr<CentralStore> store = open();
    if (store == nullptr) return nullptr;
    for (int index = 1; index <= count; ++index) {
      EXPECT_TRUE(
          store->register_gateway(gateway_named(index), fingerprint('a'), kSomeTimeUs).is_ok());
    }
    return store;
  }

  static std::string gateway_named(int index) { return "gw-" + std::to_string(index); }

  static void push(CentralStore& store, const PolicyRelease& release,
                   std::int64_t now_us = kSomeTimeUs) {
    const Status pushed = store.add_policy(release, now_us);
    EXPECT_TRUE(pushed.is_ok()) << pushed.to_string();
  }

  // The version offered to the gateway (0: none); the bundle must be the one pushed.
  static std::uint64_t offered(const CentralStore& store, const std::string& gateway,
                               std::int64_t now_us = kSomeTimeUs + 1) {
    Result<std::optional<PolicyOffer>> offer = store.policy_offer_for(gateway, now_us);
    EXPECT_TRUE(offer) << offer.status().to_string();
    Result<std::optional<std::uint64_t>> version = store.policy_version_for(gateway, now_us);
    EXPECT_TRUE(version) << version.status().to_string();
    if (!offer || !offer->has_value()) {
      EXPECT_FALSE(version && version->has_value()) << "the version and the offer disagree";
      return 0;
    }
    EXPECT_EQ((*offer)->signed_bundle, bundle_of((*offer)->version));
    EXPECT_EQ(claimed_policy_version((*offer)->signed_bundle), (*offer)->version);
    EXPECT_TRUE(version && *version == (*offer)->version) << "the version and the offer disagree";
    return (*offer)->version;
  }

  // The versions offered to gw-1..gw-count, in order.
  static std::vector<std::uint64_t> offered_to_each(const CentralStore& store, int count,
                                                    std::int64_t now_us = kSomeTimeUs + 1) {
    std::vector<std::uint64_t> versions;
    for (int index = 1; index <= count; ++index)
      versions.push_back(offered(store, gateway_named(index), now_us));
    return versions;
  }

  // The gateway's next journal entry (its mark + 1).
  static void report(CentralStore& store, const std::string& gateway, Change change,
                     std::uint64_t version, std::string_view reason = "") {
    const std::uint64_t next = record(store, gateway).acknowledged + 1;
    apply(store, gateway, Batch({policy_change(gateway, next, change, version, reason)}));
  }

  // The gateway's next journal entry, reaching central at `now_us`.
  static void report_at(CentralStore& store, const std::string& gateway, Change change,
                        std::uint64_t version, std::int64_t now_us) {
    const std::uint64_t next = record(store, gateway).acknowledged + 1;
    apply(store, gateway, Batch({policy_change(gateway, next, change, version)}), now_us);
  }

  // Version `version` in waves of one, halting at `max_failures`, each wave waiting at
  // most `minutes` for a gateway.
  static PolicyRelease timed_release(std::uint64_t version, std::uint32_t max_failures,
                                     std::int64_t minutes) {
    PolicyRelease release = release_of(version, 1, max_failures);
    release.wave_timeout_us = minutes * kMinuteUs;
    return release;
  }

  static PolicyRollout rollout_of(const CentralStore& store, std::uint64_t version,
                                  std::int64_t now_us = kSomeTimeUs + 1) {
    Result<std::vector<PolicyRollout>> rollouts = store.policy_rollouts(now_us);
    EXPECT_TRUE(rollouts) << rollouts.status().to_string();
    if (rollouts) {
      for (const PolicyRollout& rollout : *rollouts)
        if (rollout.version == version) return rollout;
    }
    ADD_FAILURE() << "no rollout of version " << version;
    return {};
  }

  static std::vector<Standing> standings(const PolicyRollout& rollout) {
    std::vector<Standing> all;
    for (const PolicyRollout::Gateway& gateway : rollout.gateways) all.push_back(gateway.standing);
    return all;
  }
};

TEST_F(CentralStorePolicies, NothingIsOfferedBeforeAPolicyIsPushed) {
  std::unique_ptr<CentralStore> store = open_with_gateways(2);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(offered_to_each(*store, 2), (std::vector<std::uint64_t>{0, 0}));
  Result<std::vector<PolicyRollout>> rollouts = store->policy_rollouts(kSomeTimeUs);
  ASSERT_TRUE(rollouts);
  EXPECT_TRUE(rollouts->empty());
}

TEST_F(CentralStorePolicies, WithoutWavesEveryGatewayIsOfferedTheNewestPolicyAtOnce) {
  std::unique_ptr<CentralStore> store = open_with_gateways(3);
  ASSERT_NE(store, nullptr);
  push(*store, release_of(4));
  EXPECT_EQ(offered_to_each(*store, 3), (std::vector<std::uint64_t>{4, 4, 4}));
  EXPECT_EQ(offered(*store, "gw-nowhere"), 0U) << "an unknown gateway";
  const PolicyRollout rollout = rollout_of(*store, 4);
  EXPECT_EQ(rollout.state, RolloutState::rolling_out);
  EXPECT_EQ(rollout.pushed_at_us, kSomeTimeUs);
  EXPECT_EQ(rollout.expires_at_us, kSomeTimeUs + 24 * kHourUs);
  EXPECT_EQ(standings(rollout),
            (std::vector<Standing>{Standing::waiting, Standing::waiting, Standing::waiting}));
}

TEST_F(CentralStorePolicies, APolicyNotAboveTheNewestPushedIsRefusedNamingBothVersions) {
  std::unique_ptr<CentralStore> store = open_with_gateways(1);
  ASSERT_NE(store, nullptr);
  push(*store, release_of(5));
  const Status older = store->add_policy(release_of(3), kSomeTimeUs);
  EXPECT_EQ(older.code(), StatusCode::failed_precondition);
  EXPECT_THAT(older.message(), HasSubstr("policy version 3 is not above 5, the newest pushed"));
  const Status same = store->add_policy(release_of(5), kSomeTimeUs);
  EXPECT_EQ(same.code(), StatusCode::failed_precondition);
  EXPECT_THAT(same.message(), HasSubstr("policy version 5 is not above 5, the newest pushed"));
  Result<std::vector<PolicyRollout>> rollouts = store->policy_rollouts(kSomeTimeUs);
  ASSERT_TRUE(rollouts);
  EXPECT_EQ(rollouts->size(), 1U);
}

TEST_F(CentralStorePolicies, APolicyWithoutFailuresToHaltAtABundleOrAFutureIsInvalid) {
  std::unique_ptr<CentralStore> store = open_with_gateways(1);
  ASSERT_NE(store, nullptr);
  const Status no_failures = store->add_policy(release_of(6, 0, 0), kSomeTimeUs);
  EXPECT_EQ(no_failures.code(), StatusCode::invalid_argument);
  EXPECT_THAT(no_failures.message(), HasSubstr("max_failures is 0"));
  PolicyRelease empty = release_of(6);
  empty.signed_bundle.clear();
  const Status no_bundle = store->add_policy(empty, kSomeTimeUs);
  EXPECT_EQ(no_bundle.code(), StatusCode::invalid_argument);
  EXPECT_THAT(no_bundle.message(), HasSubstr("the signed bundle is empty"));
  PolicyRelease mislabelled = release_of(6);
  mislabelled.signed_bundle = bundle_of(7);
  const Status other_version = store->add_policy(mislabelled, kSomeTimeUs);
  EXPECT_EQ(other_version.code(), StatusCode::invalid_argument);
  EXPECT_THAT(other_version.message(), HasSubstr("the bundle carries version 7"));
  const Status zero = store->add_policy(release_of(0), kSomeTimeUs);
  EXPECT_EQ(zero.code(), StatusCode::invalid_argument);
  const Status stale = store->add_policy(release_of(6, 0, 1, kSomeTimeUs), kSomeTimeUs);
  EXPECT_EQ(stale.code(), StatusCode::invalid_argument);
  EXPECT_THAT(stale.message(), HasSubstr("not after now"));
  Result<std::vector<PolicyRollout>> rollouts = store->policy_rollouts(kSomeTimeUs);
  ASSERT_TRUE(rollouts);
  EXPECT_TRUE(rollouts->empty());
  push(*store, release_of(6));
}

TEST_F(CentralStorePolicies, WavesOpenInOrderOnceEveryGatewayOfTheEarlierWavesSettled) {
  std::unique_ptr<CentralStore> store = open_with_gateways(5);
  ASSERT_NE(store, nullptr);
  push(*store, release_of(9, 2, 5));
  // Waves: {gw-1, gw-2}, {gw-3, gw-4}, {gw-5}.
  EXPECT_EQ(offered_to_each(*store, 5), (std::vector<std::uint64_t>{9, 9, 0, 0, 0}));
  EXPECT_EQ(standings(rollout_of(*store, 9)),
            (std::vector<Standing>{Standing::waiting, Standing::waiting, Standing::later_wave,
                                   Standing::later_wave, Standing::later_wave}));
  report(*store, "gw-1", Change::trial, 9);
  report(*store, "gw-2", Change::trial, 9);
  report(*store, "gw-1", Change::committed, 9);
  EXPECT_EQ(offered_to_each(*store, 5), (std::vector<std::uint64_t>{0, 0, 0, 0, 0}))
      << "gw-2 is still on trial: the second wave waits";
  report(*store, "gw-2", Change::committed, 9);
  EXPECT_EQ(offered_to_each(*store, 5), (std::vector<std::uint64_t>{0, 0, 9, 9, 0}));
  report(*store, "gw-3", Change::committed, 9);
  report(*store, "gw-4", Change::committed, 9);
  EXPECT_EQ(offered_to_each(*store, 5), (std::vector<std::uint64_t>{0, 0, 0, 0, 9}));
  EXPECT_EQ(rollout_of(*store, 9).state, RolloutState::rolling_out);
  report(*store, "gw-5", Change::committed, 9);
  EXPECT_EQ(offered_to_each(*store, 5), (std::vector<std::uint64_t>{0, 0, 0, 0, 0}));
  const PolicyRollout complete = rollout_of(*store, 9);
  EXPECT_EQ(complete.state, RolloutState::complete);
  ASSERT_EQ(complete.gateways.size(), 5U);
  EXPECT_EQ(complete.gateways[4].wave, 2U);
  ASSERT_TRUE(complete.gateways[4].outcome.has_value());
  EXPECT_EQ(complete.gateways[4].outcome->change, PolicyChange::committed);
}

TEST_F(CentralStorePolicies, AFailureBelowTheThresholdDoesNotHoldTheLaterWavesShut) {
  std::unique_ptr<CentralStore> store = open_with_gateways(3);
  ASSERT_NE(store, nullptr);
  push(*store, release_of(9, 1, 2));
  EXPECT_EQ(offered_to_each(*store, 3), (std::vector<std::uint64_t>{9, 0, 0}));
  report(*store, "gw-1", Change::refused, 9);
  EXPECT_EQ(offered_to_each(*store, 3), (std::vector<std::uint64_t>{0, 9, 0}))
      << "gw-1 settled with a failure, one below max_failures: the next wave opens";
  report(*store, "gw-2", Change::trial, 9);
  report(*store, "gw-2", Change::reverted, 9);
  EXPECT_EQ(offered_to_each(*store, 3), (std::vector<std::uint64_t>{0, 0, 0}));
  EXPECT_EQ(rollout_of(*store, 9).state, RolloutState::halted);
}

TEST_F(CentralStorePolicies, RetiringASilentGatewayOpensTheWavesItHeldShutAndItIsOfferedNothing) {
  std::unique_ptr<CentralStore> store = open_with_gateways(5);
  ASSERT_NE(store, nullptr);
  push(*store, release_of(9, 2, 5));
  // Waves: {gw-1, gw-2}, {gw-3, gw-4}, {gw-5}. gw-2 is gone and never answers.
  report(*store, "gw-1", Change::committed, 9);
  EXPECT_EQ(offered_to_each(*store, 5), (std::vector<std::uint64_t>{0, 9, 0, 0, 0}));
  ASSERT_TRUE(store->retire_gateway("gw-2", kSomeTimeUs + 1).is_ok());
  // Waves of the active ones: {gw-1, gw-3}, {gw-4, gw-5}.
  EXPECT_EQ(offered_to_each(*store, 5), (std::vector<std::uint64_t>{0, 0, 9, 0, 0}));
  EXPECT_EQ(standings(rollout_of(*store, 9)),
            (std::vector<Standing>{Standing::reported, Standing::retired, Standing::waiting,
                                   Standing::later_wave, Standing::later_wave}));
  report(*store, "gw-3", Change::committed, 9);
  EXPECT_EQ(offered_to_each(*store, 5), (std::vector<std::uint64_t>{0, 0, 0, 9, 9}));
  report(*store, "gw-4", Change::committed, 9);
  report(*store, "gw-5", Change::committed, 9);
  const PolicyRollout complete = rollout_of(*store, 9);
  EXPECT_EQ(complete.state, RolloutState::complete) << "every active gateway committed it";
  ASSERT_EQ(complete.gateways.size(), 5U);
  EXPECT_EQ(complete.gateways[1].standing, Standing::retired);
  EXPECT_FALSE(complete.gateways[1].outcome.has_value());

  // Registered again, it is offered the next policy like any other gateway.
  ASSERT_TRUE(store->register_gateway("gw-2", fingerprint('a'), kSomeTimeUs + 2).is_ok());
  push(*store, release_of(10));
  EXPECT_EQ(offered_to_each(*store, 5), (std::vector<std::uint64_t>{10, 10, 10, 10, 10}));
}

TEST_F(CentralStorePolicies, ASilentGatewayHoldsTheNextWaveOnlyUntilItsWavesTimeRunsOut) {
  std::unique_ptr<CentralStore> store = open_with_gateways(3);
  ASSERT_NE(store, nullptr);
  push(*store, timed_release(9, 1, 10));
  // Waves: {gw-1}, {gw-2}, {gw-3}. gw-1 settles 2 minutes after the push, which opens
  // gw-2's wave; gw-2 never answers.
  report_at(*store, "gw-1", Change::trial, 9, kSomeTimeUs + 1 * kMinuteUs);
  report_at(*store, "gw-1", Change::committed, 9, kSomeTimeUs + 2 * kMinuteUs);
  const std::int64_t second_wave_opened_at = kSomeTimeUs + 2 * kMinuteUs;
  const std::int64_t second_wave_runs_out_at = second_wave_opened_at + 10 * kMinuteUs;

  const PolicyRollout held = rollout_of(*store, 9, second_wave_runs_out_at - 1);
  EXPECT_EQ(held.wave_timeout_us, 10 * kMinuteUs);
  EXPECT_EQ(standings(held),
            (std::vector<Standing>{Standing::reported, Standing::waiting, Standing::later_wave}));
  ASSERT_EQ(held.gateways.size(), 3U);
  EXPECT_EQ(held.gateways[0].wave_opened_at_us, kSomeTimeUs) << "the first wave opens at the push";
  EXPECT_EQ(held.gateways[1].wave_opened_at_us, second_wave_opened_at);
  EXPECT_EQ(held.gateways[2].wave_opened_at_us, 0);
  EXPECT_EQ(offered_to_each(*store, 3, second_wave_runs_out_at - 1),
            (std::vector<std::uint64_t>{0, 9, 0}));

  // Its wave's time ran out: gw-3's wave opens then, and gw-2 is offered the policy still.
  EXPECT_EQ(offered_to_each(*store, 3, second_wave_runs_out_at),
            (std::vector<std::uint64_t>{0, 9, 9}));
  const PolicyRollout timed_out = rollout_of(*store, 9, second_wave_runs_out_at);
  EXPECT_EQ(timed_out.state, RolloutState::rolling_out);
  EXPECT_EQ(timed_out.failures, 0U);
  EXPECT_EQ(standings(timed_out),
            (std::vector<Standing>{Standing::reported, Standing::timed_out, Standing::waiting}));
  ASSERT_EQ(timed_out.gateways.size(), 3U);
  EXPECT_FALSE(timed_out.gateways[1].outcome.has_value());
  EXPECT_EQ(timed_out.gateways[2].wave_opened_at_us, second_wave_runs_out_at);

  // gw-2 comes back late. On trial it is not offered the policy again, and stays timed out
  // until its verdict arrives, which is recorded as usual and replaces timed_out.
  const std::int64_t trial_at = second_wave_runs_out_at + 4 * kMinuteUs;
  report_at(*store, "gw-2", Change::trial, 9, trial_at);
  EXPECT_EQ(offered_to_each(*store, 3, trial_at), (std::vector<std::uint64_t>{0, 0, 9}));
  const PolicyRollout on_trial = rollout_of(*store, 9, trial_at);
  ASSERT_EQ(on_trial.gateways.size(), 3U);
  EXPECT_EQ(on_trial.gateways[1].standing, Standing::timed_out);
  ASSERT_TRUE(on_trial.gateways[1].outcome.has_value());
  EXPECT_EQ(on_trial.gateways[1].outcome->change, PolicyChange::trial);
  const std::int64_t committed_at = trial_at + kMinuteUs;
  report_at(*store, "gw-2", Change::committed, 9, committed_at);
  const PolicyRollout answered = rollout_of(*store, 9, committed_at);
  EXPECT_EQ(standings(answered),
            (std::vector<Standing>{Standing::reported, Standing::reported, Standing::waiting}));
  ASSERT_EQ(answered.gateways.size(), 3U);
  ASSERT_TRUE(answered.gateways[1].outcome.has_value());
  EXPECT_EQ(answered.gateways[1].outcome->change, PolicyChange::committed);
  EXPECT_EQ(answered.gateways[1].outcome->settled_at_us, committed_at);
  EXPECT_EQ(answered.gateways[2].wave_opened_at_us, second_wave_runs_out_at)
      << "an answer after the time ran out moves no wave's opening";
  EXPECT_EQ(offered_to_each(*store, 3, committed_at), (std::vector<std::uint64_t>{0, 0, 9}));
  EXPECT_EQ(rollout_of(*store, 9, second_wave_runs_out_at + 10 * kMinuteUs).gateways[2].standing,
            Standing::timed_out)
      << "gw-3's time runs from its wave's opening";
}

TEST_F(CentralStorePolicies, ATimedOutGatewayIsNoFailureUntilItReportsOne) {
  std::unique_ptr<CentralStore> store = open_with_gateways(3);
  ASSERT_NE(store, nullptr);
  push(*store, timed_release(9, 1, 10));
  const std::int64_t runs_out_at = kSomeTimeUs + 10 * kMinuteUs;
  const PolicyRollout timed_out = rollout_of(*store, 9, runs_out_at);
  EXPECT_EQ(timed_out.state, RolloutState::rolling_out) << "max_failures is 1";
  EXPECT_EQ(timed_out.failures, 0U);
  EXPECT_EQ(standings(timed_out),
            (std::vector<Standing>{Standing::timed_out, Standing::waiting, Standing::later_wave}));
  EXPECT_EQ(offered_to_each(*store, 3, runs_out_at), (std::vector<std::uint64_t>{9, 9, 0}));

  report_at(*store, "gw-1", Change::refused, 9, runs_out_at + kMinuteUs);
  const PolicyRollout halted = rollout_of(*store, 9, runs_out_at + kMinuteUs);
  EXPECT_EQ(halted.state, RolloutState::halted);
  EXPECT_EQ(halted.failures, 1U);
  EXPECT_EQ(offered_to_each(*store, 3, runs_out_at + kMinuteUs),
            (std::vector<std::uint64_t>{0, 0, 0}));
}

TEST_F(CentralStorePolicies, WithoutATimeLimitASilentGatewayHoldsTheNextWaveUntilThePolicyExpires) {
  std::unique_ptr<CentralStore> store = open_with_gateways(3);
  ASSERT_NE(store, nullptr);
  push(*store, release_of(9, 1, 1));
  report_at(*store, "gw-1", Change::committed, 9, kSomeTimeUs + kHourUs);
  const std::int64_t just_before_expiry = kSomeTimeUs + 24 * kHourUs - 1;
  const PolicyRollout held = rollout_of(*store, 9, just_before_expiry);
  EXPECT_EQ(held.wave_timeout_us, 0);
  EXPECT_EQ(held.state, RolloutState::rolling_out);
  EXPECT_EQ(standings(held),
            (std::vector<Standing>{Standing::reported, Standing::waiting, Standing::later_wave}));
  ASSERT_EQ(held.gateways.size(), 3U);
  EXPECT_EQ(held.gateways[1].wave_opened_at_us, kSomeTimeUs + kHourUs);
  EXPECT_EQ(offered_to_each(*store, 3, just_before_expiry), (std::vector<std::uint64_t>{0, 9, 0}));
}

TEST_F(CentralStorePolicies, ARollbackAfterACommitKeepsTheMomentTheNextWaveOpened) {
  std::unique_ptr<CentralStore> store = open_with_gateways(3);
  ASSERT_NE(store, nullptr);
  push(*store, timed_release(9, 2, 10));
  report_at(*store, "gw-1", Change::trial, 9, kSomeTimeUs + 1 * kMinuteUs);
  report_at(*store, "gw-1", Change::committed, 9, kSomeTimeUs + 2 * kMinuteUs);
  // Rolled back at the gateway after gw-2's wave ran out: gw-2 stays timed out, and gw-3's
  // wave stays open.
  const std::int64_t rolled_back_at = kSomeTimeUs + 13 * kMinuteUs;
  report_at(*store, "gw-1", Change::rolled_back, 9, rolled_back_at);
  const PolicyRollout rollout = rollout_of(*store, 9, rolled_back_at);
  EXPECT_EQ(rollout.failures, 1U);
  EXPECT_EQ(standings(rollout),
            (std::vector<Standing>{Standing::reported, Standing::timed_out, Standing::waiting}));
  ASSERT_EQ(rollout.gateways.size(), 3U);
  ASSERT_TRUE(rollout.gateways[0].outcome.has_value());
  EXPECT_EQ(rollout.gateways[0].outcome->change, PolicyChange::rolled_back);
  EXPECT_EQ(rollout.gateways[0].outcome->settled_at_us, kSomeTimeUs + 2 * kMinuteUs);
  EXPECT_EQ(rollout.gateways[1].wave_opened_at_us, kSomeTimeUs + 2 * kMinuteUs);
  EXPECT_EQ(offered_to_each(*store, 3, rolled_back_at), (std::vector<std::uint64_t>{0, 9, 9}));
}

TEST_F(CentralStorePolicies, AWaveTimeLimitBelowZeroIsInvalid) {
  std::unique_ptr<CentralStore> store = open_with_gateways(1);
  ASSERT_NE(store, nullptr);
  const Status negative = store->add_policy(timed_release(6, 1, -1), kSomeTimeUs);
  EXPECT_EQ(negative.code(), StatusCode::invalid_argument);
  EXPECT_THAT(negative.message(), HasSubstr("wave_timeout_us -60000000 is below 0"));
  Result<std::vector<PolicyRollout>> rollouts = store->policy_rollouts(kSomeTimeUs);
  ASSERT_TRUE(rollouts);
  EXPECT_TRUE(rollouts->empty());
}

TEST_F(CentralStorePolicies, ARetiredGatewaysFailureStillCountsAndItsOutcomeIsShown) {
  std::unique_ptr<CentralStore> store = open_with_gateways(2);
  ASSERT_NE(store, nullptr);
  push(*store, release_of(9, 0, 1));
  report(*store, "gw-1", Change::refused, 9, "signature does not verify");
  ASSERT_EQ(rollout_of(*store, 9).state, RolloutState::halted);
  ASSERT_TRUE(store->retire_gateway("gw-1", kSomeTimeUs + 1).is_ok());
  const PolicyRollout rollout = rollout_of(*store, 9);
  EXPECT_EQ(rollout.state, RolloutState::halted) << "retiring must not reopen a halted rollout";
  EXPECT_EQ(rollout.failures, 1U);
  EXPECT_EQ(offered_to_each(*store, 2), (std::vector<std::uint64_t>{0, 0}));
  ASSERT_EQ(rollout.gateways.size(), 2U);
  EXPECT_EQ(rollout.gateways[0].standing, Standing::retired);
  ASSERT_TRUE(rollout.gateways[0].outcome.has_value());
  EXPECT_EQ(rollout.gateways[0].outcome->change, PolicyChange::refused);
  EXPECT_EQ(rollout.gateways[0].outcome->reason, "signature does not verify");
}

TEST_F(CentralStorePolicies, ARolloutHaltsOnceRefusalsRevertsAndRollbacksReachMaxFailures) {
  std::unique_ptr<CentralStore> store = open_with_gateways(5);
  ASSERT_NE(store, nullptr);
  push(*store, release_of(3, 0, 3));
  report(*store, "gw-1", Change::refused, 3, "policy does not validate: node 'fc-x' is unknown");
  // An operator's rollback at a gateway counts against the policy too.
  report(*store, "gw-2", Change::trial, 3);
  report(*store, "gw-2", Change::rolled_back, 3, "operator");
  EXPECT_EQ(rollout_of(*store, 3).failures, 2U);
  EXPECT_EQ(offered_to_each(*store, 5), (std::vector<std::uint64_t>{0, 0, 3, 3, 3}));
  report(*store, "gw-3", Change::trial, 3);
  report(*store, "gw-3", Change::reverted, 3, "health check: error rate 12%");
  EXPECT_EQ(offered_to_each(*store, 5), (std::vector<std::uint64_t>{0, 0, 0, 0, 0}));
  const PolicyRollout halted = rollout_of(*store, 3);
  EXPECT_EQ(halted.state, RolloutState::halted);
  EXPECT_EQ(halted.failures, 3U);
  EXPECT_EQ(standings(halted),
            (std::vector<Standing>{Standing::reported, Standing::reported, Standing::reported,
                                   Standing::not_offered, Standing::not_offered}));
  ASSERT_TRUE(halted.gateways[2].outcome.has_value());
  EXPECT_EQ(halted.gateways[2].outcome->reason, "health check: error rate 12%");
}

TEST_F(CentralStorePolicies, AnExpiredPolicyIsNotOffered) {
  std::unique_ptr<CentralStore> store = open_with_gateways(2);
  ASSERT_NE(store, nullptr);
  const std::int64_t expiry = kSomeTimeUs + kHourUs;
  push(*store, release_of(2, 0, 1, expiry));
  EXPECT_EQ(offered_to_each(*store, 2, expiry - 1), (std::vector<std::uint64_t>{2, 2}));
  EXPECT_EQ(offered_to_each(*store, 2, expiry), (std::vector<std::uint64_t>{0, 0}));
  const PolicyRollout expired = rollout_of(*store, 2, expiry);
  EXPECT_EQ(expired.state, RolloutState::expired);
  EXPECT_EQ(standings(expired),
            (std::vector<Standing>{Standing::not_offered, Standing::not_offered}));
}

TEST_F(CentralStorePolicies, ASupersededPolicyIsNotOfferedButTheNewerOneIsEvenToWhoAnsweredTheOld) {
  std::unique_ptr<CentralStore> store = open_with_gateways(3);
  ASSERT_NE(store, nullptr);
  push(*store, release_of(3));
  report(*store, "gw-1", Change::trial, 3);
  push(*store, release_of(4));
  EXPECT_EQ(offered_to_each(*store, 3), (std::vector<std::uint64_t>{4, 4, 4}));
  Result<std::vector<PolicyRollout>> rollouts = store->policy_rollouts(kSomeTimeUs + 1);
  ASSERT_TRUE(rollouts);
  ASSERT_EQ(rollouts->size(), 2U);
  EXPECT_EQ((*rollouts)[0].version, 4U) << "newest first";
  EXPECT_EQ((*rollouts)[0].state, RolloutState::rolling_out);
  EXPECT_EQ((*rollouts)[1].version, 3U);
  EXPECT_EQ((*rollouts)[1].state, RolloutState::superseded);
  EXPECT_EQ(
      standings((*rollouts)[1]),
      (std::vector<Standing>{Standing::reported, Standing::not_offered, Standing::not_offered}));
}

TEST_F(CentralStorePolicies, ARefusalNeverReplacesWhatTheGatewayDidWithTheGenuineBundle) {
  std::unique_ptr<CentralStore> store = open_with_gateways(1);
  ASSERT_NE(store, nullptr);
  push(*store, release_of(8));
  report(*store, "gw-1", Change::trial, 8);
  report(*store, "gw-1", Change::committed, 8);
  // An altered copy claiming version 8, refused by the gateway afterwards.
  report(*store, "gw-1", Change::refused, 8, "signature does not verify");
  const PolicyRollout rollout = rollout_of(*store, 8);
  ASSERT_EQ(rollout.gateways.size(), 1U);
  ASSERT_TRUE(rollout.gateways[0].outcome.has_value());
  EXPECT_EQ(rollout.gateways[0].outcome->change, PolicyChange::committed);
  EXPECT_EQ(rollout.failures, 0U);
}

TEST_F(CentralStorePolicies, AGatewayThatReportedAnOutcomeIsNotOfferedThePolicyAgain) {
  std::unique_ptr<CentralStore> store = open_with_gateways(4);
  ASSERT_NE(store, nullptr);
  push(*store, release_of(8, 0, 10));
  report(*store, "gw-1", Change::trial, 8);
  report(*store, "gw-2", Change::refused, 8, "signature does not verify");
  report(*store, "gw-3", Change::trial, 8);
  report(*store, "gw-3", Change::rolled_back, 8, "operator");
  EXPECT_EQ(offered_to_each(*store, 4), (std::vector<std::uint64_t>{0, 0, 0, 8}));
  // Outcomes about other versions (a bundle of an older copy of central) change nothing.
  report(*store, "gw-4", Change::refused, 7, "version 7 is not above 8");
  EXPECT_EQ(offered(*store, "gw-4"), 8U);
}

TEST_F(CentralStorePolicies, OutcomesComeFromReplayedPolicyChangeEntriesTheLatestWinningOnce) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  push(*store, release_of(5));
  const Batch batch({entry_of(kLeipzig, 1), policy_change(kLeipzig, 2, Change::trial, 5),
                     entry_of(kLeipzig, 3), policy_change(kLeipzig, 4, Change::committed, 5),
                     policy_change(kLeipzig, 5, Change::refused, 4, "version 4 is not above 5")});
  apply(*store, kLeipzig, batch, kSomeTimeUs + 7);
  Result<std::vector<PolicyOutcome>> outcomes = store->policy_outcomes(5);
  ASSERT_TRUE(outcomes);
  ASSERT_EQ(outcomes->size(), 1U);
  EXPECT_EQ((*outcomes)[0].gateway_id, kLeipzig);
  EXPECT_EQ((*outcomes)[0].change, PolicyChange::committed);
  EXPECT_EQ((*outcomes)[0].sequence, 4U);
  EXPECT_EQ((*outcomes)[0].recorded_at_us, entry_of(kLeipzig, 4).recorded_at_us);
  Result<std::vector<PolicyOutcome>> older = store->policy_outcomes(4);
  ASSERT_TRUE(older);
  ASSERT_EQ(older->size(), 1U);
  EXPECT_EQ((*older)[0].change, PolicyChange::refused);
  EXPECT_EQ((*older)[0].reason, "version 4 is not above 5");

  // Replayed (with other bytes, which are never compared): duplicates, nothing changes.
  const Batch replayed({policy_change(kLeipzig, 4, Change::reverted, 5, "replayed"),
                        policy_change(kLeipzig, 5, Change::reverted, 5, "replayed")});
  const AppliedBatch again = apply(*store, kLeipzig, replayed, kSomeTimeUs + 8);
  EXPECT_EQ(again.duplicates, 2U);
  outcomes = store->policy_outcomes(5);
  ASSERT_TRUE(outcomes);
  ASSERT_EQ(outcomes->size(), 1U);
  EXPECT_EQ((*outcomes)[0].change, PolicyChange::committed);

  // A rollback names the version rolled back; another gateway's outcomes are its own.
  apply(*store, kLeipzig,
        Batch({policy_change(kLeipzig, 6, Change::rolled_back, 5, "operator", 4)}));
  apply(*store, kPoznan, Batch({policy_change(kPoznan, 1, Change::trial, 5)}));
  outcomes = store->policy_outcomes(5);
  ASSERT_TRUE(outcomes);
  ASSERT_EQ(outcomes->size(), 2U);
  EXPECT_EQ((*outcomes)[0].gateway_id, kLeipzig);
  EXPECT_EQ((*outcomes)[0].change, PolicyChange::rolled_back);
  EXPECT_EQ((*outcomes)[0].reason, "operator");
  EXPECT_EQ((*outcomes)[0].sequence, 6U);
  EXPECT_EQ((*outcomes)[1].gateway_id, kPoznan);
  EXPECT_EQ((*outcomes)[1].change, PolicyChange::trial);
}

// A PolicyChangeRecord about version 5 that carries no policy document.
std::vector<std::uint8_t> record_without_policy(Change change) {
  gateway::PolicyChangeFacts facts;
  facts.change = change;
  facts.version = 5;
  facts.active_version = 5;
  return gateway::build_policy_change_record(facts);
}

TEST_F(CentralStorePolicies, AMalformedPolicyChangePayloadIsHeldAndTheBatchGoesOn) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  push(*store, release_of(5));
  OwnedEntry garbage = entry_of(kLeipzig, 1);
  garbage.kind = EntryKind::policy_change;  // its payload is the pattern entry_of makes
  OwnedEntry empty = entry_of(kLeipzig, 2);
  empty.kind = EntryKind::policy_change;
  empty.payload.clear();
  // A trial must carry its policy (as the gateway's read_policy_change_record checks).
  OwnedEntry trial_without_policy = entry_of(kLeipzig, 3);
  trial_without_policy.kind = EntryKind::policy_change;
  trial_without_policy.payload = record_without_policy(Change::trial);
  // A kind this build does not know (a newer gateway's).
  OwnedEntry unknown_kind = entry_of(kLeipzig, 4);
  unknown_kind.kind = EntryKind::policy_change;
  unknown_kind.payload = record_without_policy(static_cast<Change>(9));
  std::vector<OwnedEntry> entries = {garbage, empty, trial_without_policy, unknown_kind,
                                     policy_change(kLeipzig, 5, Change::refused, 5, "expired")};
  const AppliedBatch applied = apply(*store, kLeipzig, Batch(entries));
  EXPECT_EQ(applied.applied, 5U);
  EXPECT_EQ(applied.acknowledged, 5U);
  EXPECT_EQ(read_all(*store, kLeipzig), entries) << "every entry is held as it came";
  Result<std::vector<PolicyOutcome>> outcomes = store->policy_outcomes(5);
  ASSERT_TRUE(outcomes);
  ASSERT_EQ(outcomes->size(), 1U);
  EXPECT_EQ((*outcomes)[0].sequence, 5U);
  EXPECT_EQ((*outcomes)[0].change, PolicyChange::refused);
}

// Applies `entry` with its payload one byte off any alignment, as a sender that did not
// align it leaves it (the store must read it all the same).
void apply_at_odd_address(CentralStore& store, const std::string& gateway,
                          const OwnedEntry& entry) {
  std::vector<std::uint8_t> shifted(entry.payload.size() + 1);
  std::copy(entry.payload.begin(), entry.payload.end(), shifted.begin() + 1);
  const StoredEntry view{entry.sequence, entry.kind,           entry.recorded_at_us,
                         entry.order_id, entry.correlation_id, std::span(shifted).subspan(1)};
  Result<AppliedBatch> applied = store.apply_journal_batch(gateway, {&view, 1}, kSomeTimeUs);
  ASSERT_TRUE(applied) << applied.status().to_string();
}

TEST_F(CentralStorePolicies, APolicyChangePayloadAtAnOddAddressIsRead) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  push(*store, release_of(5));
  apply_at_odd_address(*store, kLeipzig, policy_change(kLeipzig, 1, Change::committed, 5));
  Result<std::vector<PolicyOutcome>> outcomes = store->policy_outcomes(5);
  ASSERT_TRUE(outcomes);
  ASSERT_EQ(outcomes->size(), 1U);
  EXPECT_EQ((*outcomes)[0].change, PolicyChange::committed);
}

TEST_F(CentralStorePolicies, PoliciesAndOutcomesSurviveReopening) {
  {
    std::unique_ptr<CentralStore> store = open_with_gateways(2);
    ASSERT_NE(store, nullptr);
    push(*store, release_of(11, 1, 3));
    report(*store, "gw-1", Change::committed, 11);
  }
  std::unique_ptr<CentralStore> store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(offered_to_each(*store, 2), (std::vector<std::uint64_t>{0, 11}));
  const PolicyRollout rollout = rollout_of(*store, 11);
  EXPECT_EQ(rollout.wave_size, 1U);
  EXPECT_EQ(rollout.max_failures, 3U);
  EXPECT_EQ(rollout.wave_timeout_us, 0);
  EXPECT_EQ(standings(rollout), (std::vector<Standing>{Standing::reported, Standing::waiting}));
}

TEST_F(CentralStorePolicies, AWaveTimeLimitAndWhenEachGatewaySettledSurviveReopening) {
  const std::int64_t settled_at = kSomeTimeUs + 2 * kMinuteUs;
  {
    std::unique_ptr<CentralStore> store = open_with_gateways(3);
    ASSERT_NE(store, nullptr);
    push(*store, timed_release(12, 1, 10));
    report_at(*store, "gw-1", Change::committed, 12, settled_at);
  }
  std::unique_ptr<CentralStore> store = open();
  ASSERT_NE(store, nullptr);
  Result<std::vector<PolicyOutcome>> outcomes = store->policy_outcomes(12);
  ASSERT_TRUE(outcomes) << outcomes.status().to_string();
  ASSERT_EQ(outcomes->size(), 1U);
  EXPECT_EQ((*outcomes)[0].settled_at_us, settled_at);
  const PolicyRollout held = rollout_of(*store, 12, settled_at + 10 * kMinuteUs - 1);
  EXPECT_EQ(held.wave_timeout_us, 10 * kMinuteUs);
  EXPECT_EQ(standings(held),
            (std::vector<Standing>{Standing::reported, Standing::waiting, Standing::later_wave}));
  EXPECT_EQ(offered_to_each(*store, 3, settled_at + 10 * kMinuteUs),
            (std::vector<std::uint64_t>{0, 12, 12}));
}

// A store as format version 2 left it: format 1's tables and the policy tables, with a
// pushed policy and one gateway's outcome for it.
constexpr char kFormatTwoPolicyTablesSql[] = R"sql(
CREATE TABLE policies (
  version INTEGER PRIMARY KEY CHECK (version > 0),
  signed_bundle BLOB NOT NULL,
  pushed_at_us INTEGER NOT NULL,
  expires_at_us INTEGER NOT NULL,
  wave_size INTEGER NOT NULL CHECK (wave_size >= 0),
  max_failures INTEGER NOT NULL CHECK (max_failures >= 1)
) STRICT;
CREATE TABLE policy_outcomes (
  gateway_id TEXT NOT NULL REFERENCES gateways (id),
  version INTEGER NOT NULL CHECK (version >= 0),
  change TEXT NOT NULL
    CHECK (change IN ('trial', 'committed', 'reverted', 'rolled_back', 'refused')),
  reason TEXT NOT NULL,
  sequence INTEGER NOT NULL CHECK (sequence > 0),
  recorded_at_us INTEGER NOT NULL,
  PRIMARY KEY (gateway_id, version)
) STRICT, WITHOUT ROWID;
INSERT INTO policies VALUES (7, X'00', 1767225600000000, 1767312000000000, 0, 1);
INSERT INTO policy_outcomes VALUES ('gw-leipzig-1', 7, 'committed', '', 2, 1767225600002000);
)sql";

TEST_F(CentralStoreTest, AFormatTwoStoreIsUpgradedInPlaceWithItsDataIntact) {
  std::string schema = kFormatOneSchemaSql;
  schema.replace(schema.find("$FINGERPRINT"), 12, fingerprint('a'));
  schema.replace(schema.find("PRAGMA user_version = 1;"), 24, "PRAGMA user_version = 2;");
  run_sql(path_, schema + kFormatTwoPolicyTablesSql);
  {
    std::unique_ptr<CentralStore> store = open();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(record(*store, kLeipzig).acknowledged, 2U);
    EXPECT_EQ(read_all(*store, kLeipzig).size(), 2U);
    EXPECT_EQ(store->inventory_deltas("", InventoryDelta::State::applied)->size(), 1U);
    Result<std::vector<PolicyOutcome>> outcomes = store->policy_outcomes(7);
    ASSERT_TRUE(outcomes) << outcomes.status().to_string();
    ASSERT_EQ(outcomes->size(), 1U);
    EXPECT_EQ((*outcomes)[0].change, PolicyChange::committed);
    Result<std::vector<PolicyRollout>> rollouts = store->policy_rollouts(kSomeTimeUs);
    ASSERT_TRUE(rollouts) << rollouts.status().to_string();
    ASSERT_EQ(rollouts->size(), 1U);
    EXPECT_EQ((*rollouts)[0].state, PolicyRollout::State::complete);
    // The new tables work, and the journal goes on where it stood.
    Result<std::uint64_t> closure = store->add_node_closure("fc-leipzig", "flood", kSomeTimeUs);
    ASSERT_TRUE(closure) << closure.status().to_string();
    EXPECT_EQ(apply(*store, kLeipzig, Batch(kLeipzig, 3, 2)).acknowledged, 4U);
  }
  EXPECT_EQ(query_integer(path_, "PRAGMA user_version"), 7);
  std::unique_ptr<CentralStore> reopened = open();
  ASSERT_NE(reopened, nullptr);
  Result<std::vector<NodeClosure>> closures = reopened->node_closures();
  ASSERT_TRUE(closures);
  ASSERT_EQ(closures->size(), 1U);
  EXPECT_EQ((*closures)[0].node_id, "fc-leipzig");
  ASSERT_EQ((*closures)[0].deliveries.size(), 1U);
  EXPECT_EQ((*closures)[0].deliveries[0].gateway_id, kLeipzig);
  EXPECT_EQ(reopened->policy_outcomes(7)->size(), 1U);
}

// A store as format version 3 left it: format 2's tables and the closure tables, with a
// closure pending at one gateway and an order stranded there.
constexpr char kFormatThreeClosureTablesSql[] = R"sql(
CREATE TABLE node_closures (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  node_id TEXT NOT NULL CHECK (node_id != ''),
  reason TEXT NOT NULL,
  created_at_us INTEGER NOT NULL
) STRICT;
CREATE TABLE node_closure_deliveries (
  closure_id INTEGER NOT NULL REFERENCES node_closures (id),
  gateway_id TEXT NOT NULL REFERENCES gateways (id),
  correlation_id TEXT NOT NULL UNIQUE,
  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 2),
  refusal TEXT NOT NULL,
  applied_at_sequence INTEGER NOT NULL,
  settled_at_us INTEGER NOT NULL,
  PRIMARY KEY (closure_id, gateway_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE stranded_orders (
  gateway_id TEXT NOT NULL REFERENCES gateways (id),
  order_id TEXT NOT NULL,
  node_id TEXT NOT NULL,
  sequence INTEGER NOT NULL CHECK (sequence > 0),
  reason TEXT NOT NULL,
  PRIMARY KEY (gateway_id, order_id)
) STRICT, WITHOUT ROWID;
INSERT INTO node_closures VALUES (1, 'fc-leipzig', 'flood', 1767225600000000);
INSERT INTO node_closure_deliveries VALUES
  (1, 'gw-leipzig-1', 'central-closure:000000000000002b', 0, '', 0, 0);
INSERT INTO stranded_orders VALUES ('gw-leipzig-1', 'SO-9', 'fc-leipzig', 2, 'flood');
)sql";

TEST_F(CentralStoreTest, AFormatThreeStoreIsUpgradedInPlaceWithItsDataIntactAndCanRetire) {
  std::string schema = kFormatOneSchemaSql;
  schema.replace(schema.find("$FINGERPRINT"), 12, fingerprint('a'));
  schema.replace(schema.find("PRAGMA user_version = 1;"), 24, "PRAGMA user_version = 3;");
  run_sql(path_, schema + kFormatTwoPolicyTablesSql + kFormatThreeClosureTablesSql);
  {
    std::unique_ptr<CentralStore> store = open();
    ASSERT_NE(store, nullptr);
    const GatewayRecord leipzig = record(*store, kLeipzig);
    EXPECT_EQ(leipzig.certificate_sha256, fingerprint('a'));
    EXPECT_EQ(leipzig.acknowledged, 2U);
    EXPECT_EQ(leipzig.last_contact_us, 1'767'225'600'000'007);
    EXPECT_EQ(leipzig.clock_skew_us, -40);
    EXPECT_EQ(leipzig.retired_at_us, 0) << "every gateway of an older store is active";
    EXPECT_EQ(read_all(*store, kLeipzig).size(), 2U);
    EXPECT_EQ(store->inventory_deltas("", InventoryDelta::State::applied)->size(), 1U);
    EXPECT_EQ(store->policy_outcomes(7)->size(), 1U);
    Result<std::vector<NodeClosureDelivery>> pending =
        store->node_closure_deliveries(kLeipzig, NodeClosureDelivery::State::pending);
    ASSERT_TRUE(pending) << pending.status().to_string();
    ASSERT_EQ(pending->size(), 1U);
    EXPECT_EQ((*pending)[0].correlation_id, "central-closure:000000000000002b");
    Result<std::vector<StrandedOrder>> stranded = store->stranded_orders();
    ASSERT_TRUE(stranded);
    ASSERT_EQ(stranded->size(), 1U);
    EXPECT_EQ((*stranded)[0].order_id, "SO-9");
    // The new column works, and so does registering a gateway in the upgraded table.
    ASSERT_TRUE(store->retire_gateway(kLeipzig, kSomeTimeUs + 3).is_ok());
    ASSERT_TRUE(store->register_gateway(kPoznan, fingerprint('b'), kSomeTimeUs).is_ok());
    EXPECT_EQ(record(*store, kPoznan).retired_at_us, 0);
  }
  EXPECT_EQ(query_integer(path_, "PRAGMA user_version"), 7);
  std::unique_ptr<CentralStore> reopened = open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(record(*reopened, kLeipzig).retired_at_us, kSomeTimeUs + 3);
  EXPECT_EQ(record(*reopened, kLeipzig).acknowledged, 2U);
  EXPECT_EQ(reopened->node_closure_deliveries(kLeipzig, std::nullopt)->size(), 1U);
}

using DeliveryState = NodeClosureDelivery::State;
using gateway::fbs::NetworkChangeKind;

constexpr char kClosedNode[] = "fc-leipzig";

// Entry `sequence` of the gateway: a network_change entry of kind `change`, as the
// gateway journals a closure or a reopening (under the delivery's correlation id).
OwnedEntry network_change_of(NetworkChangeKind change, const std::string& gateway,
                             std::uint64_t sequence, const std::string& correlation_id,
                             const std::string& node = kClosedNode) {
  OwnedEntry entry = entry_of(gateway, sequence);
  entry.kind = EntryKind::network_change;
  entry.order_id.clear();
  entry.correlation_id = correlation_id;
  entry.payload = gateway::build_network_change_record(change, node, "flood", correlation_id);
  return entry;
}

// The network_change entry that applied a closure.
OwnedEntry closure_applied(const std::string& gateway, std::uint64_t sequence,
                           const std::string& correlation_id,
                           const std::string& node = kClosedNode) {
  return network_change_of(NetworkChangeKind::node_closed, gateway, sequence, correlation_id, node);
}

// The network_change entry that applied a reopening.
OwnedEntry reopening_applied(const std::string& gateway, std::uint64_t sequence,
                             const std::string& correlation_id) {
  return network_change_of(NetworkChangeKind::node_reopened, gateway, sequence, correlation_id);
}

// Entry `sequence` of the gateway: the order's part at `node` failed with `code`.
OwnedEntry failure_of(const std::string& gateway, std::uint64_t sequence, const std::string& order,
                      const std::string& node = kClosedNode,
                      const std::string& code = "node_closed",
                      const std::string& detail = "flood in the building") {
  OwnedEntry entry = entry_of(gateway, sequence);
  entry.kind = EntryKind::fulfillment_event;
  entry.order_id = order;
  entry.correlation_id.clear();
  flatbuffers::FlatBufferBuilder builder;
  builder.Finish(gateway::fbs::CreateFulfillmentRecordDirect(
      builder, node.c_str(), protocol::fbs::FulfillmentEventKind::failed, "2026-01-01T00:00:00Z",
      code.c_str(), detail.empty() ? nullptr : detail.c_str()));
  entry.payload.assign(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
  return entry;
}

// Entry `sequence` of the gateway: the order's lines at `from_node` routed again.
OwnedEntry reroute_of(const std::string& gateway, std::uint64_t sequence, const std::string& order,
                      const std::string& from_node = kClosedNode) {
  OwnedEntry entry = entry_of(gateway, sequence);
  entry.kind = EntryKind::reroute;
  entry.order_id = order;
  entry.correlation_id.clear();
  const std::vector<std::uint8_t> decision = {1, 2, 3, 4};
  flatbuffers::FlatBufferBuilder builder;
  builder.Finish(gateway::fbs::CreateRerouteRecordDirect(builder, from_node.c_str(), nullptr,
                                                         nullptr, &decision));
  entry.payload.assign(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
  return entry;
}

// Entry `sequence` of the gateway: the order cancelled, everything it held given back.
OwnedEntry release_of(const std::string& gateway, std::uint64_t sequence,
                      const std::string& order) {
  OwnedEntry entry = entry_of(gateway, sequence);
  entry.kind = EntryKind::release;
  entry.order_id = order;
  entry.correlation_id.clear();
  entry.payload = gateway::build_release_record("cancelled by the customer");
  return entry;
}

class CentralStoreClosures : public CentralStoreTest {
 protected:
  static std::uint64_t close_node(CentralStore& store, const std::string& node = kClosedNode) {
    Result<std::uint64_t> closure = store.add_node_closure(node, "flood", kSomeTimeUs);
    EXPECT_TRUE(closure) << closure.status().to_string();
    return closure ? *closure : 0;
  }

  static std::uint64_t reopen_node(CentralStore& store) {
    Result<std::uint64_t> reopening =
        store.add_node_reopening(kClosedNode, "water pumped out", kSomeTimeUs + 60);
    EXPECT_TRUE(reopening) << reopening.status().to_string();
    return reopening ? *reopening : 0;
  }

  // The gateway's delivery of the closure.
  static NodeClosureDelivery delivery(const CentralStore& store, std::uint64_t closure_id,
                                      const std::string& gateway) {
    Result<std::vector<NodeClosureDelivery>> all =
        store.node_closure_deliveries(gateway, std::nullopt);
    EXPECT_TRUE(all) << all.status().to_string();
    if (all) {
      for (const NodeClosureDelivery& found : *all)
        if (found.closure_id == closure_id) return found;
    }
    ADD_FAILURE() << "closure " << closure_id << " was not sent to " << gateway;
    return {};
  }

  // "gateway order node sequence: reason" for each stranded order, in the store's order.
  static std::vector<std::string> stranded(const CentralStore& store) {
    Result<std::vector<StrandedOrder>> orders = store.stranded_orders();
    EXPECT_TRUE(orders) << orders.status().to_string();
    std::vector<std::string> lines;
    if (orders) {
      for (const StrandedOrder& order : *orders) {
        lines.push_back(order.gateway_id + " " + order.order_id + " " + order.node_id + " " +
                        std::to_string(order.sequence) + ": " + order.reason);
      }
    }
    return lines;
  }
};

TEST_F(CentralStoreClosures, AClosureGoesToEveryGatewayRegisteredThenEachUnderItsOwnId) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  const std::uint64_t closure = close_node(*store);
  ASSERT_NE(closure, 0U);
  ASSERT_TRUE(store->register_gateway("gw-later", fingerprint('c'), kSomeTimeUs + 1).is_ok());

  Result<std::vector<NodeClosure>> closures = store->node_closures();
  ASSERT_TRUE(closures) << closures.status().to_string();
  ASSERT_EQ(closures->size(), 1U);
  const NodeClosure& closed = (*closures)[0];
  EXPECT_EQ(closed.id, closure);
  EXPECT_EQ(closed.node_id, kClosedNode);
  EXPECT_EQ(closed.reason, "flood");
  EXPECT_EQ(closed.created_at_us, kSomeTimeUs);
  ASSERT_EQ(closed.deliveries.size(), 2U) << "a gateway registered later is not sent it";
  EXPECT_EQ(closed.deliveries[0].gateway_id, kLeipzig);
  EXPECT_EQ(closed.deliveries[1].gateway_id, kPoznan);
  for (const NodeClosureDelivery& delivered : closed.deliveries) {
    EXPECT_EQ(delivered.state, DeliveryState::pending);
    EXPECT_EQ(delivered.node_id, kClosedNode);
    EXPECT_TRUE(names_central_closure(delivered.correlation_id)) << delivered.correlation_id;
  }
  EXPECT_NE(closed.deliveries[0].correlation_id, closed.deliveries[1].correlation_id);

  Result<std::vector<NodeClosureDelivery>> pending =
      store->node_closure_deliveries(kPoznan, DeliveryState::pending);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1U);
  EXPECT_EQ((*pending)[0].closure_id, closure);
  EXPECT_EQ((*pending)[0].reason, "flood");
  EXPECT_EQ((*pending)[0].correlation_id, closed.deliveries[1].correlation_id);
  EXPECT_TRUE(store->node_closure_deliveries("gw-later", std::nullopt)->empty());
  EXPECT_EQ(store->node_closure_deliveries("", std::nullopt)->size(), 2U);
}

TEST_F(CentralStoreClosures, AClosureNeedsANodeAndARegisteredGateway) {
  std::unique_ptr<CentralStore> store = open();
  ASSERT_NE(store, nullptr);
  const Result<std::uint64_t> nobody = store->add_node_closure(kClosedNode, "flood", kSomeTimeUs);
  EXPECT_EQ(nobody.status().code(), StatusCode::failed_precondition);
  EXPECT_THAT(nobody.status().message(), HasSubstr("no gateway is registered"));
  ASSERT_TRUE(store->register_gateway(kLeipzig, fingerprint('a'), kSomeTimeUs).is_ok());
  const Result<std::uint64_t> no_node = store->add_node_closure("", "flood", kSomeTimeUs);
  EXPECT_EQ(no_node.status().code(), StatusCode::invalid_argument);
  EXPECT_THAT(no_node.status().message(), HasSubstr("node id is empty"));
  Result<std::vector<NodeClosure>> closures = store->node_closures();
  ASSERT_TRUE(closures);
  EXPECT_TRUE(closures->empty()) << "a refused closure leaves nothing behind";
  EXPECT_NE(close_node(*store), 0U);
}

TEST_F(CentralStoreClosures, ARetiredGatewayIsSentNoClosureAndWhatItHadStaysPending) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  const std::uint64_t before = close_node(*store, "fc-poznan");
  ASSERT_TRUE(store->retire_gateway(kPoznan, kSomeTimeUs + 1).is_ok());
  const std::uint64_t after = close_node(*store);
  ASSERT_NE(after, 0U);
  Result<std::vector<NodeClosure>> closures = store->node_closures();
  ASSERT_TRUE(closures) << closures.status().to_string();
  ASSERT_EQ(closures->size(), 2U);
  ASSERT_EQ((*closures)[1].id, after);
  ASSERT_EQ((*closures)[1].deliveries.size(), 1U) << "not sent to the retired gateway";
  EXPECT_EQ((*closures)[1].deliveries[0].gateway_id, kLeipzig);
  EXPECT_EQ(delivery(*store, before, kPoznan).state, DeliveryState::pending)
      << "what was sent before the retirement is left as it is";

  // Registered again: what it was sent before is still pending for it, the closure made
  // while it was retired is not.
  ASSERT_TRUE(store->register_gateway(kPoznan, fingerprint('b'), kSomeTimeUs + 2).is_ok());
  Result<std::vector<NodeClosureDelivery>> pending =
      store->node_closure_deliveries(kPoznan, DeliveryState::pending);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1U);
  EXPECT_EQ((*pending)[0].closure_id, before);
}

TEST_F(CentralStoreClosures, AClosureWithEveryGatewayRetiredIsRefusedAndStoresNothing) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->retire_gateway(kLeipzig, kSomeTimeUs).is_ok());
  ASSERT_TRUE(store->retire_gateway(kPoznan, kSomeTimeUs).is_ok());
  const Result<std::uint64_t> nobody = store->add_node_closure(kClosedNode, "flood", kSomeTimeUs);
  EXPECT_EQ(nobody.status().code(), StatusCode::failed_precondition);
  EXPECT_THAT(nobody.status().message(), HasSubstr("every registered gateway is retired"));
  Result<std::vector<NodeClosure>> closures = store->node_closures();
  ASSERT_TRUE(closures);
  EXPECT_TRUE(closures->empty());
}

TEST_F(CentralStoreClosures, TheGatewaysNetworkChangeEntryAppliesItsOwnDeliveryOnce) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  const std::uint64_t closure = close_node(*store);
  const std::string leipzig_id = delivery(*store, closure, kLeipzig).correlation_id;
  // Poznań journals Leipzig's id (it cannot happen, but must settle nothing).
  apply(*store, kPoznan, Batch({closure_applied(kPoznan, 1, leipzig_id)}));
  EXPECT_EQ(delivery(*store, closure, kLeipzig).state, DeliveryState::pending);

  const Batch batch({entry_of(kLeipzig, 1), closure_applied(kLeipzig, 2, leipzig_id)});
  apply(*store, kLeipzig, batch, kSomeTimeUs + 7);
  // Replayed: duplicates, nothing moves.
  EXPECT_EQ(apply(*store, kLeipzig, batch, kSomeTimeUs + 8).duplicates, 2U);
  const NodeClosureDelivery applied = delivery(*store, closure, kLeipzig);
  EXPECT_EQ(applied.state, DeliveryState::applied);
  EXPECT_EQ(applied.applied_at_sequence, 2U);
  EXPECT_EQ(applied.settled_at_us, kSomeTimeUs + 7);
  EXPECT_EQ(delivery(*store, closure, kPoznan).state, DeliveryState::pending);
  EXPECT_TRUE(store->node_closure_deliveries(kLeipzig, DeliveryState::pending)->empty());
  // Applied is final: a refusal afterwards is out of turn.
  EXPECT_EQ(store->refuse_node_closure(closure, kLeipzig, "late", kSomeTimeUs + 9).code(),
            StatusCode::failed_precondition);
}

TEST_F(CentralStoreClosures, ARefusedClosureIsAConflictAndCannotBeSettledTwice) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  const std::uint64_t closure = close_node(*store);
  EXPECT_EQ(store->refuse_node_closure(closure + 1, kPoznan, "?", kSomeTimeUs).code(),
            StatusCode::not_found);
  EXPECT_EQ(store->refuse_node_closure(closure, "gw-nowhere", "?", kSomeTimeUs).code(),
            StatusCode::not_found);
  ASSERT_TRUE(store
                  ->refuse_node_closure(closure, kPoznan,
                                        "node 'fc-leipzig' is not in this network", kSomeTimeUs + 1)
                  .is_ok());
  Result<std::vector<NodeClosureDelivery>> refused =
      store->node_closure_deliveries("", DeliveryState::refused);
  ASSERT_TRUE(refused);
  ASSERT_EQ(refused->size(), 1U);
  EXPECT_EQ((*refused)[0].gateway_id, kPoznan);
  EXPECT_EQ((*refused)[0].node_id, kClosedNode);
  EXPECT_EQ((*refused)[0].refusal, "node 'fc-leipzig' is not in this network");
  EXPECT_EQ((*refused)[0].settled_at_us, kSomeTimeUs + 1);
  const Status again = store->refuse_node_closure(closure, kPoznan, "again", kSomeTimeUs + 2);
  EXPECT_EQ(again.code(), StatusCode::failed_precondition);
  EXPECT_THAT(again.message(), HasSubstr("is refused, not pending"));
  // An entry naming it later changes nothing; Leipzig's delivery is its own.
  apply(*store, kPoznan,
        Batch({closure_applied(kPoznan, 1, delivery(*store, closure, kPoznan).correlation_id)}));
  EXPECT_EQ(delivery(*store, closure, kPoznan).state, DeliveryState::refused);
  EXPECT_EQ(delivery(*store, closure, kLeipzig).state, DeliveryState::pending);
}

TEST_F(CentralStoreClosures, AnOrderFailedAtAClosedNodeIsStrandedUntilARerouteArrivesLater) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  // SO-1 could not move; SO-2 was routed again in the same transaction; SO-3 failed for
  // another reason; SO-4's reroute is cut off into the next batch.
  apply(*store, kLeipzig,
        Batch({failure_of(kLeipzig, 1, "SO-1"), failure_of(kLeipzig, 2, "SO-2"),
               reroute_of(kLeipzig, 3, "SO-2"),
               failure_of(kLeipzig, 4, "SO-3", kClosedNode, "carrier_missed"),
               failure_of(kLeipzig, 5, "SO-4", kClosedNode, "node_closed", "")}));
  EXPECT_EQ(stranded(*store),
            (std::vector<std::string>{"gw-leipzig-1 SO-1 fc-leipzig 1: flood in the building",
                                      "gw-leipzig-1 SO-4 fc-leipzig 5: node_closed"}));
  apply(*store, kLeipzig, Batch({reroute_of(kLeipzig, 6, "SO-4")}));
  EXPECT_EQ(stranded(*store),
            (std::vector<std::string>{"gw-leipzig-1 SO-1 fc-leipzig 1: flood in the building"}));
}

TEST_F(CentralStoreClosures, AnOrderACountShortAtCentralCouldNotMoveIsStrandedToo) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  apply(*store, kLeipzig,
        Batch({failure_of(kLeipzig, 1, "SO-7", kClosedNode, "central_count_short",
                          "central's count left 2 unit(s) of sku-tent short at fc-leipzig")}));
  EXPECT_EQ(stranded(*store),
            (std::vector<std::string>{"gw-leipzig-1 SO-7 fc-leipzig 1: central's count left 2 "
                                      "unit(s) of sku-tent short at fc-leipzig"}));
}

TEST_F(CentralStoreClosures, AStrandedOrderStaysUntilItLeavesTheClosedNodeItself) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  apply(*store, kLeipzig,
        Batch({failure_of(kLeipzig, 1, "SO-1"), failure_of(kLeipzig, 2, "SO-2"),
               failure_of(kLeipzig, 3, "SO-3")}));
  // Another gateway's entries about the same order ids are its own orders.
  apply(*store, kPoznan, Batch({reroute_of(kPoznan, 1, "SO-1"), release_of(kPoznan, 2, "SO-2")}));
  // SO-1 is split: its part at another node is routed again, the stranded part is not.
  apply(*store, kLeipzig, Batch({reroute_of(kLeipzig, 4, "SO-1", "fc-dresden")}));
  EXPECT_EQ(stranded(*store).size(), 3U);
  // A cancellation gives back everything the order held, the stranded part too.
  apply(*store, kLeipzig, Batch({release_of(kLeipzig, 5, "SO-2")}));
  EXPECT_EQ(stranded(*store),
            (std::vector<std::string>{"gw-leipzig-1 SO-1 fc-leipzig 1: flood in the building",
                                      "gw-leipzig-1 SO-3 fc-leipzig 3: flood in the building"}));
}

TEST_F(CentralStoreClosures, AReplayedFailureDoesNotStrandAnOrderAgain) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  const Batch failed({failure_of(kLeipzig, 1, "SO-1"), failure_of(kLeipzig, 2, "SO-2")});
  apply(*store, kLeipzig, failed);
  apply(*store, kLeipzig, Batch({reroute_of(kLeipzig, 3, "SO-1")}));
  // The gateway never heard the acknowledgement of 1..2 and sends them again.
  const AppliedBatch replayed = apply(*store, kLeipzig, failed);
  EXPECT_EQ(replayed.duplicates, 2U);
  EXPECT_EQ(stranded(*store),
            (std::vector<std::string>{"gw-leipzig-1 SO-2 fc-leipzig 2: flood in the building"}));
  {
    // And after reopening.
    store.reset();
    store = open();
    ASSERT_NE(store, nullptr);
  }
  EXPECT_EQ(apply(*store, kLeipzig, failed).duplicates, 2U);
  EXPECT_EQ(stranded(*store).size(), 1U);
}

TEST_F(CentralStoreClosures, UnreadableFailuresAndReroutesAreHeldAndTellNothing) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  OwnedEntry garbage_failure = entry_of(kLeipzig, 1);
  garbage_failure.kind = EntryKind::fulfillment_event;  // its payload is entry_of's pattern
  OwnedEntry empty_failure = entry_of(kLeipzig, 2);
  empty_failure.kind = EntryKind::fulfillment_event;
  empty_failure.payload.clear();
  OwnedEntry no_order = failure_of(kLeipzig, 3, "SO-1");
  no_order.order_id.clear();
  OwnedEntry garbage_reroute = entry_of(kLeipzig, 5);
  garbage_reroute.kind = EntryKind::reroute;
  garbage_reroute.order_id = "SO-2";
  const std::vector<OwnedEntry> entries = {garbage_failure, empty_failure, no_order,
                                           failure_of(kLeipzig, 4, "SO-2"), garbage_reroute};
  const AppliedBatch applied = apply(*store, kLeipzig, Batch(entries));
  EXPECT_EQ(applied.applied, 5U);
  EXPECT_EQ(read_all(*store, kLeipzig), entries) << "every entry is held as it came";
  EXPECT_EQ(stranded(*store),
            (std::vector<std::string>{"gw-leipzig-1 SO-2 fc-leipzig 4: flood in the building"}));
}

TEST_F(CentralStoreClosures, AFailurePayloadAtAnOddAddressIsRead) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  apply_at_odd_address(*store, kLeipzig, failure_of(kLeipzig, 1, "SO-1"));
  EXPECT_EQ(stranded(*store).size(), 1U);
}

TEST_F(CentralStoreClosures, AReopeningGoesToEveryActiveGatewayAfterTheClosureUnderIdsOfItsOwn) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->register_gateway("gw-gone", fingerprint('c'), kSomeTimeUs).is_ok());
  const std::uint64_t closure = close_node(*store);
  ASSERT_TRUE(store->retire_gateway("gw-gone", kSomeTimeUs + 1).is_ok());
  const std::uint64_t reopening = reopen_node(*store);
  EXPECT_GT(reopening, closure) << "closures and reopenings are numbered in the order made";

  Result<std::vector<NodeClosure>> records = store->node_closures();
  ASSERT_TRUE(records) << records.status().to_string();
  ASSERT_EQ(records->size(), 2U);
  EXPECT_FALSE((*records)[0].reopen);
  ASSERT_EQ((*records)[0].deliveries.size(), 3U);
  const NodeClosure& reopened = (*records)[1];
  EXPECT_EQ(reopened.id, reopening);
  EXPECT_TRUE(reopened.reopen);
  EXPECT_EQ(reopened.node_id, kClosedNode);
  EXPECT_EQ(reopened.reason, "water pumped out");
  EXPECT_EQ(reopened.created_at_us, kSomeTimeUs + 60);
  ASSERT_EQ(reopened.deliveries.size(), 2U) << "not sent to the retired gateway";
  EXPECT_EQ(reopened.deliveries[0].gateway_id, kLeipzig);
  EXPECT_EQ(reopened.deliveries[1].gateway_id, kPoznan);
  for (const NodeClosureDelivery& delivered : reopened.deliveries) {
    EXPECT_TRUE(delivered.reopen);
    EXPECT_EQ(delivered.state, DeliveryState::pending);
    EXPECT_TRUE(names_central_closure(delivered.correlation_id)) << delivered.correlation_id;
    EXPECT_NE(delivered.correlation_id,
              delivery(*store, closure, delivered.gateway_id).correlation_id);
  }
  EXPECT_NE(reopened.deliveries[0].correlation_id, reopened.deliveries[1].correlation_id);

  // What a session offers the gateway: the closure, then the reopening, each saying which.
  Result<std::vector<NodeClosureDelivery>> pending =
      store->node_closure_deliveries(kPoznan, DeliveryState::pending);
  ASSERT_TRUE(pending) << pending.status().to_string();
  ASSERT_EQ(pending->size(), 2U);
  EXPECT_EQ((*pending)[0].closure_id, closure);
  EXPECT_FALSE((*pending)[0].reopen);
  EXPECT_EQ((*pending)[1].closure_id, reopening);
  EXPECT_TRUE((*pending)[1].reopen);
  EXPECT_EQ((*pending)[1].reason, "water pumped out");
}

TEST_F(CentralStoreClosures, AReopeningNeedsANodeAndAnActiveGatewayAndARefusedOneStoresNothing) {
  std::unique_ptr<CentralStore> store = open();
  ASSERT_NE(store, nullptr);
  const Result<std::uint64_t> nobody = store->add_node_reopening(kClosedNode, "", kSomeTimeUs);
  EXPECT_EQ(nobody.status().code(), StatusCode::failed_precondition);
  EXPECT_THAT(nobody.status().message(), HasSubstr("no gateway is registered to reopen it at"));
  ASSERT_TRUE(store->register_gateway(kLeipzig, fingerprint('a'), kSomeTimeUs).is_ok());
  const Result<std::uint64_t> no_node = store->add_node_reopening("", "", kSomeTimeUs);
  EXPECT_EQ(no_node.status().code(), StatusCode::invalid_argument);
  EXPECT_THAT(no_node.status().message(), HasSubstr("reopen a node: the node id is empty"));
  ASSERT_TRUE(store->retire_gateway(kLeipzig, kSomeTimeUs).is_ok());
  const Result<std::uint64_t> retired = store->add_node_reopening(kClosedNode, "", kSomeTimeUs);
  EXPECT_EQ(retired.status().code(), StatusCode::failed_precondition);
  EXPECT_THAT(retired.status().message(), HasSubstr("every registered gateway is retired"));
  Result<std::vector<NodeClosure>> records = store->node_closures();
  ASSERT_TRUE(records);
  EXPECT_TRUE(records->empty());
}

TEST_F(CentralStoreClosures,
       AReopeningIsAppliedByTheGatewaysNodeReopenedEntryAndNotByANodeClosedOne) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  const std::uint64_t closure = close_node(*store);
  const std::uint64_t reopening = reopen_node(*store);
  const std::string closure_id = delivery(*store, closure, kLeipzig).correlation_id;
  const std::string reopening_id = delivery(*store, reopening, kLeipzig).correlation_id;

  // Entries of the wrong kind under each id: held, and they apply nothing.
  apply(*store, kLeipzig,
        Batch({closure_applied(kLeipzig, 1, reopening_id),
               reopening_applied(kLeipzig, 2, closure_id)}));
  EXPECT_EQ(record(*store, kLeipzig).acknowledged, 2U);
  EXPECT_EQ(delivery(*store, closure, kLeipzig).state, DeliveryState::pending);
  EXPECT_EQ(delivery(*store, reopening, kLeipzig).state, DeliveryState::pending);

  // Poznań journals Leipzig's reopening: it settles nothing of Leipzig's.
  apply(*store, kPoznan, Batch({reopening_applied(kPoznan, 1, reopening_id)}));
  EXPECT_EQ(delivery(*store, reopening, kLeipzig).state, DeliveryState::pending);

  const Batch batch(
      {closure_applied(kLeipzig, 3, closure_id), reopening_applied(kLeipzig, 4, reopening_id)});
  apply(*store, kLeipzig, batch, kSomeTimeUs + 70);
  EXPECT_EQ(apply(*store, kLeipzig, batch, kSomeTimeUs + 71).duplicates, 2U);
  const NodeClosureDelivery closed = delivery(*store, closure, kLeipzig);
  EXPECT_EQ(closed.state, DeliveryState::applied);
  EXPECT_EQ(closed.applied_at_sequence, 3U);
  const NodeClosureDelivery reopened = delivery(*store, reopening, kLeipzig);
  EXPECT_EQ(reopened.state, DeliveryState::applied);
  EXPECT_EQ(reopened.applied_at_sequence, 4U);
  EXPECT_EQ(reopened.settled_at_us, kSomeTimeUs + 70);
  EXPECT_EQ(delivery(*store, reopening, kPoznan).state, DeliveryState::pending);
  EXPECT_EQ(store->refuse_node_closure(reopening, kLeipzig, "late", kSomeTimeUs + 72).code(),
            StatusCode::failed_precondition);
  // Refused like a closure: a conflict.
  ASSERT_TRUE(store->refuse_node_closure(reopening, kPoznan, "no such node", kSomeTimeUs).is_ok());
  Result<std::vector<NodeClosureDelivery>> refused =
      store->node_closure_deliveries("", DeliveryState::refused);
  ASSERT_TRUE(refused);
  ASSERT_EQ(refused->size(), 1U);
  EXPECT_TRUE((*refused)[0].reopen);
  EXPECT_EQ((*refused)[0].refusal, "no such node");
}

TEST_F(CentralStoreClosures, ANetworkChangeEntryWhosePayloadDoesNotVerifyIsHeldAndAppliesNothing) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  const std::uint64_t closure = close_node(*store);
  OwnedEntry garbage =
      closure_applied(kLeipzig, 1, delivery(*store, closure, kLeipzig).correlation_id);
  garbage.payload = entry_of(kLeipzig, 1).payload;
  apply(*store, kLeipzig, Batch({garbage}));
  EXPECT_EQ(read_all(*store, kLeipzig), std::vector<OwnedEntry>{garbage});
  EXPECT_EQ(delivery(*store, closure, kLeipzig).state, DeliveryState::pending);
}

TEST_F(CentralStoreClosures, AReopeningAndWhatTheGatewaysDidWithItSurviveReopeningTheStore) {
  std::uint64_t reopening = 0;
  {
    std::unique_ptr<CentralStore> store = open_registered();
    ASSERT_NE(store, nullptr);
    close_node(*store);
    reopening = reopen_node(*store);
    apply(*store, kLeipzig,
          Batch({reopening_applied(kLeipzig, 1,
                                   delivery(*store, reopening, kLeipzig).correlation_id)}));
  }
  std::unique_ptr<CentralStore> reopened = open();
  ASSERT_NE(reopened, nullptr);
  Result<std::vector<NodeClosure>> records = reopened->node_closures();
  ASSERT_TRUE(records) << records.status().to_string();
  ASSERT_EQ(records->size(), 2U);
  EXPECT_FALSE((*records)[0].reopen);
  EXPECT_TRUE((*records)[1].reopen);
  EXPECT_EQ((*records)[1].id, reopening);
  const NodeClosureDelivery leipzig = delivery(*reopened, reopening, kLeipzig);
  EXPECT_TRUE(leipzig.reopen);
  EXPECT_EQ(leipzig.state, DeliveryState::applied);
  EXPECT_EQ(leipzig.applied_at_sequence, 1U);
  const NodeClosureDelivery poznan = delivery(*reopened, reopening, kPoznan);
  EXPECT_TRUE(poznan.reopen);
  EXPECT_EQ(poznan.state, DeliveryState::pending);
}

TEST(CentralClosureCorrelation, NamesAClosureByANonceAndNeverADelta) {
  EXPECT_EQ(central_closure_correlation_id(0x2a), "central-closure:000000000000002a");
  EXPECT_TRUE(names_central_closure("central-closure:000000000000002a"));
  EXPECT_FALSE(names_central_closure(central_delta_correlation_id(0x2a)));
  EXPECT_FALSE(names_central_delta(central_closure_correlation_id(0x2a)));
  EXPECT_FALSE(names_central_closure("central-closure"));
}

TEST(NodeClosureMessage, CarriesTheClosureAsCentralSendsIt) {
  const std::string correlation_id = central_closure_correlation_id(7);
  const protocol::Frame frame = node_closure_frame(3, kClosedNode, "flood", correlation_id);
  Result<const fbs::SyncMessage*> message = verify_sync_message(frame.payload());
  ASSERT_TRUE(message) << message.status().to_string();
  const fbs::NodeClosure* closure = (*message)->body_as_NodeClosure();
  ASSERT_NE(closure, nullptr);
  EXPECT_EQ(closure->closure_id(), 3U);
  EXPECT_EQ(closure->node_id()->str(), kClosedNode);
  EXPECT_EQ(closure->reason()->str(), "flood");
  EXPECT_EQ(closure->correlation_id()->str(), correlation_id);
  EXPECT_FALSE(closure->reopen());

  const protocol::Frame answer = node_closure_refused_frame(3, "no node 'fc-leipzig' here");
  Result<const fbs::SyncMessage*> refused = verify_sync_message(answer.payload());
  ASSERT_TRUE(refused) << refused.status().to_string();
  ASSERT_NE((*refused)->body_as_NodeClosureRefused(), nullptr);
  EXPECT_EQ((*refused)->body_as_NodeClosureRefused()->closure_id(), 3U);
  EXPECT_EQ((*refused)->body_as_NodeClosureRefused()->message()->str(),
            "no node 'fc-leipzig' here");
}

TEST(NodeClosureMessage, CarriesAReopeningAsCentralSendsIt) {
  const std::string correlation_id = central_closure_correlation_id(8);
  const protocol::Frame frame =
      node_closure_frame(4, kClosedNode, "water pumped out", correlation_id, /*reopen=*/true);
  Result<const fbs::SyncMessage*> message = verify_sync_message(frame.payload());
  ASSERT_TRUE(message) << message.status().to_string();
  const fbs::NodeClosure* reopening = (*message)->body_as_NodeClosure();
  ASSERT_NE(reopening, nullptr);
  EXPECT_TRUE(reopening->reopen());
  EXPECT_EQ(reopening->closure_id(), 4U);
  EXPECT_EQ(reopening->node_id()->str(), kClosedNode);
  EXPECT_EQ(reopening->correlation_id()->str(), correlation_id);
}

TEST(NodeClosureMessage, AClosureWithoutAnIdANodeOrCentralsCorrelationIdIsRefusedNamingIt) {
  const std::string correlation_id = central_closure_correlation_id(7);
  const auto refusal = [](const protocol::Frame& frame) {
    Result<const fbs::SyncMessage*> message = verify_sync_message(frame.payload());
    EXPECT_FALSE(message);
    EXPECT_EQ(message.status().code(), StatusCode::invalid_argument);
    return message.status().message();
  };
  EXPECT_THAT(refusal(node_closure_frame(0, kClosedNode, "", correlation_id)),
              HasSubstr("NodeClosure has closure_id 0"));
  EXPECT_THAT(refusal(node_closure_frame(4, "", "", correlation_id)),
              HasSubstr("NodeClosure 4 has an empty node_id"));
  EXPECT_THAT(refusal(node_closure_frame(5, kClosedNode, "", central_delta_correlation_id(7))),
              HasSubstr("NodeClosure 5 has correlation_id 'central-delta:0000000000000007'"));
}

TEST(CentralDeltaCorrelation, NamesADeltaByANonceAndNothingElse) {
  EXPECT_EQ(central_delta_correlation_id(0x2a), "central-delta:000000000000002a");
  EXPECT_TRUE(names_central_delta("central-delta:000000000000002a"));
  EXPECT_FALSE(names_central_delta("PO 4711"));
  EXPECT_FALSE(names_central_delta("central-delta"));
}

using GrantState = EscrowGrantRecord::State;
using gateway::fbs::EscrowChangeKind;

constexpr char kPartnerNode[] = "3pl-columbus-2";
constexpr char kSharedSku[] = "sku-tent-2p";
constexpr std::int64_t kLeaseSeconds = 3600;

// Entry `sequence` of the gateway: an escrow_change as the gateway journals it (a grant
// under its correlation id, a return under none).
OwnedEntry escrow_change_of(const std::string& gateway, std::uint64_t sequence,
                            EscrowChangeKind change, std::uint64_t epoch, std::int32_t units,
                            const std::string& correlation_id = "",
                            const std::string& node = kPartnerNode,
                            const std::string& sku = kSharedSku,
                            std::int64_t expires_at_us = kSomeTimeUs + kHourUs) {
  OwnedEntry entry = entry_of(gateway, sequence);
  entry.kind = EntryKind::escrow_change;
  entry.order_id.clear();
  entry.correlation_id = correlation_id;
  flatbuffers::FlatBufferBuilder builder;
  builder.Finish(gateway::fbs::CreateEscrowChangeRecordDirect(
      builder, change, node.c_str(), sku.c_str(), epoch, units, expires_at_us,
      correlation_id.empty() ? nullptr : correlation_id.c_str()));
  entry.payload.assign(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
  return entry;
}

// The entry that applied `grant` at its gateway.
OwnedEntry grant_applied(std::uint64_t sequence, const EscrowGrantRecord& grant) {
  return escrow_change_of(grant.gateway_id, sequence, EscrowChangeKind::granted, grant.epoch,
                          grant.units, grant.correlation_id, grant.node_id, grant.sku_id,
                          grant.expires_at_us);
}

// The entry that gave back `units` of the gateway's lease when epoch `epoch` ran out.
OwnedEntry escrow_returned(const std::string& gateway, std::uint64_t sequence, std::uint64_t epoch,
                           std::int32_t units, const std::string& node = kPartnerNode) {
  return escrow_change_of(gateway, sequence, EscrowChangeKind::returned, epoch, units, "", node);
}

struct Shipped {
  std::string node;
  std::string sku;
  std::int32_t quantity = 0;
};

// Entry `sequence` of the gateway: the order's lines handed to the carrier.
OwnedEntry handed_off(const std::string& gateway, std::uint64_t sequence, const std::string& order,
                      const std::vector<Shipped>& lines) {
  OwnedEntry entry = entry_of(gateway, sequence);
  entry.kind = EntryKind::fulfillment_event;
  entry.order_id = order;
  entry.correlation_id.clear();
  flatbuffers::FlatBufferBuilder builder;
  std::vector<flatbuffers::Offset<gateway::fbs::HeldStockRecord>> shipped;
  for (const Shipped& line : lines) {
    shipped.push_back(gateway::fbs::CreateHeldStockRecordDirect(builder, line.sku.c_str(),
                                                                line.node.c_str(), line.quantity));
  }
  builder.Finish(gateway::fbs::CreateFulfillmentRecordDirect(
      builder, lines.empty() ? kPartnerNode : lines.front().node.c_str(),
      protocol::fbs::FulfillmentEventKind::handed_off, "2026-01-01T00:00:00Z", nullptr, nullptr,
      &shipped));
  entry.payload.assign(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
  return entry;
}

class CentralStoreEscrow : public CentralStoreTest {
 protected:
  // A store with both gateways registered and `units` of the shared SKU counted.
  std::unique_ptr<CentralStore> open_with_stock(std::int64_t units) {
    std::unique_ptr<CentralStore> store = open_registered();
    if (store == nullptr) return nullptr;
    Result<SharedStock> set = store->set_shared_stock(kPartnerNode, kSharedSku, units, kSomeTimeUs);
    EXPECT_TRUE(set) << set.status().to_string();
    return store;
  }

  static void set_quota(CentralStore& store, const std::string& gateway, std::int32_t units,
                        std::int64_t now_us = kSomeTimeUs) {
    EscrowQuota quota;
    quota.gateway_id = gateway;
    quota.node_id = kPartnerNode;
    quota.sku_id = kSharedSku;
    quota.units = units;
    quota.lease_seconds = kLeaseSeconds;
    const Status set = store.set_escrow_quota(quota, now_us);
    EXPECT_TRUE(set.is_ok()) << set.to_string();
  }

  static std::vector<EscrowGrantRecord> top_up(CentralStore& store, const std::string& gateway,
                                               std::int64_t now_us = kSomeTimeUs) {
    Result<std::vector<EscrowGrantRecord>> made = store.top_up_escrow(gateway, now_us);
    EXPECT_TRUE(made) << made.status().to_string();
    return made ? *made : std::vector<EscrowGrantRecord>{};
  }

  // The units granted by one top-up of the gateway (0: no grant).
  static std::int64_t granted_by_top_up(CentralStore& store, const std::string& gateway,
                                        std::int64_t now_us = kSomeTimeUs) {
    std::int64_t units = 0;
    for (const EscrowGrantRecord& grant : top_up(store, gateway, now_us)) units += grant.units;
    return units;
  }

  static SharedStock stock(const CentralStore& store, const std::string& node = kPartnerNode) {
    Result<std::vector<SharedStock>> all = store.shared_stock();
    EXPECT_TRUE(all) << all.status().to_string();
    if (all) {
      for (const SharedStock& found : *all)
        if (found.node_id == node && found.sku_id == kSharedSku) return found;
    }
    ADD_FAILURE() << "no shared stock of " << kSharedSku << " at " << node;
    return {};
  }

  // The gateway's lease of the shared SKU at the partner node; one with epoch 0 if none.
  static EscrowLease lease(const CentralStore& store, const std::string& gateway) {
    Result<std::vector<EscrowLease>> all = store.escrow_leases();
    EXPECT_TRUE(all) << all.status().to_string();
    if (all) {
      for (const EscrowLease& found : *all)
        if (found.gateway_id == gateway && found.node_id == kPartnerNode &&
            found.sku_id == kSharedSku)
          return found;
    }
    return {};
  }

  static std::vector<EscrowGrantRecord> grants(const CentralStore& store,
                                               const std::string& gateway,
                                               std::optional<GrantState> state = std::nullopt) {
    Result<std::vector<EscrowGrantRecord>> found = store.escrow_grants(gateway, state);
    EXPECT_TRUE(found) << found.status().to_string();
    return found ? *found : std::vector<EscrowGrantRecord>{};
  }

  static void report(CentralStore& store, const std::string& gateway, std::uint64_t epoch,
                     std::int32_t unreserved, std::int32_t reserved = 0) {
    const EscrowLeaseStanding standing{kPartnerNode, kSharedSku, epoch, unreserved, reserved, 0};
    const Status recorded = store.record_escrow_standing(gateway, {&standing, 1}, kSomeTimeUs);
    EXPECT_TRUE(recorded.is_ok()) << recorded.to_string();
  }

  // "free F leased L" of the shared SKU at the partner node.
  static std::string figures(const CentralStore& store) {
    const SharedStock found = stock(store);
    return "free " + std::to_string(found.free_units) + " leased " +
           std::to_string(found.leased_units);
  }
};

TEST_F(CentralStoreEscrow, SharedStockIsCountedAgainstWhatTheLeasesHoldAndMovedByAdjustments) {
  {
    std::unique_ptr<CentralStore> store = open_registered();
    ASSERT_NE(store, nullptr);
    Result<SharedStock> set = store->set_shared_stock(kPartnerNode, kSharedSku, 100, kSomeTimeUs);
    ASSERT_TRUE(set) << set.status().to_string();
    EXPECT_EQ(set->free_units, 100);
    EXPECT_EQ(set->leased_units, 0);
    EXPECT_EQ(set->updated_at_us, kSomeTimeUs);
    EXPECT_EQ(store->adjust_shared_stock(kPartnerNode, kSharedSku, 5, kSomeTimeUs)->free_units,
              105);
    EXPECT_EQ(store->adjust_shared_stock(kPartnerNode, kSharedSku, -10, kSomeTimeUs)->free_units,
              95);
    set_quota(*store, kLeipzig, 30);
    EXPECT_EQ(granted_by_top_up(*store, kLeipzig), 30);
    EXPECT_EQ(figures(*store), "free 65 leased 30");
    // A count is of what is at the node: the leased units are part of it.
    Result<SharedStock> counted =
        store->set_shared_stock(kPartnerNode, kSharedSku, 80, kSomeTimeUs + 5);
    ASSERT_TRUE(counted);
    EXPECT_EQ(counted->free_units, 50);
    EXPECT_EQ(counted->leased_units, 30);
    EXPECT_EQ(counted->updated_at_us, kSomeTimeUs + 5);
    // A write-off below what the leases hold leaves free_units negative: a conflict.
    EXPECT_EQ(store->adjust_shared_stock(kPartnerNode, kSharedSku, -60, kSomeTimeUs)->free_units,
              -10);
    // A (node, SKU) not known yet starts at 0.
    Result<SharedStock> received = store->adjust_shared_stock("3pl-austin-1", kSharedSku, 7, 0);
    ASSERT_TRUE(received) << received.status().to_string();
    EXPECT_EQ(received->free_units, 7);
  }
  std::unique_ptr<CentralStore> reopened = open();
  ASSERT_NE(reopened, nullptr);
  Result<std::vector<SharedStock>> all = reopened->shared_stock();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2U);
  EXPECT_EQ((*all)[0].node_id, "3pl-austin-1") << "by node, then SKU";
  EXPECT_EQ((*all)[0].free_units, 7);
  EXPECT_EQ((*all)[1].free_units, -10);
  EXPECT_EQ((*all)[1].leased_units, 30);
  EXPECT_EQ(lease(*reopened, kLeipzig).outstanding_units, 30);
}

TEST_F(CentralStoreEscrow, SharedStockNeedsANodeASkuAndUnitsInRangeNamingWhatIsWrong) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  const auto refusal = [](const Result<SharedStock>& result) {
    EXPECT_EQ(result.status().code(), StatusCode::invalid_argument);
    return result.status().message();
  };
  EXPECT_THAT(refusal(store->set_shared_stock("", kSharedSku, 1, 0)),
              HasSubstr("node_id is empty"));
  EXPECT_THAT(refusal(store->set_shared_stock(kPartnerNode, "", 1, 0)),
              HasSubstr("sku_id is empty"));
  EXPECT_THAT(refusal(store->set_shared_stock(kPartnerNode, kSharedSku, -1, 0)),
              HasSubstr("units -1 is not a count of 0..1000000000"));
  EXPECT_THAT(refusal(store->set_shared_stock(kPartnerNode, kSharedSku, kMaxSharedUnits + 1, 0)),
              HasSubstr("units 1000000001"));
  EXPECT_THAT(refusal(store->adjust_shared_stock(kPartnerNode, kSharedSku, 0, 0)),
              HasSubstr("units 0 is not a change of 1..1000000000 either way"));
  EXPECT_THAT(
      refusal(store->adjust_shared_stock(kPartnerNode, kSharedSku, -kMaxSharedUnits - 1, 0)),
      HasSubstr("units -1000000001"));
  EXPECT_TRUE(store->shared_stock()->empty());
  // A count of 0 is a count.
  EXPECT_EQ(store->set_shared_stock(kPartnerNode, kSharedSku, 0, 0)->free_units, 0);
}

TEST_F(CentralStoreEscrow, AQuotaNeedsAnActiveGatewayAndSharedStockAndNamesTheFieldThatIsWrong) {
  std::unique_ptr<CentralStore> store = open_with_stock(100);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->register_gateway("gw-gone", fingerprint('c'), kSomeTimeUs).is_ok());
  ASSERT_TRUE(store->retire_gateway("gw-gone", kSomeTimeUs + 1).is_ok());
  const EscrowQuota valid{kLeipzig, kPartnerNode, kSharedSku, 40, kLeaseSeconds, 0};
  const auto refusal = [&](EscrowQuota quota, StatusCode code) {
    const Status refused = store->set_escrow_quota(quota, kSomeTimeUs);
    EXPECT_EQ(refused.code(), code) << refused.to_string();
    return refused.message();
  };
  EscrowQuota wrong = valid;
  wrong.node_id.clear();
  EXPECT_THAT(refusal(wrong, StatusCode::invalid_argument), HasSubstr("node_id is empty"));
  wrong = valid;
  wrong.sku_id.clear();
  EXPECT_THAT(refusal(wrong, StatusCode::invalid_argument), HasSubstr("sku_id is empty"));
  wrong = valid;
  wrong.units = -1;
  EXPECT_THAT(refusal(wrong, StatusCode::invalid_argument), HasSubstr("units -1 is not 0.."));
  wrong.units = static_cast<std::int32_t>(kMaxSharedUnits + 1);
  EXPECT_THAT(refusal(wrong, StatusCode::invalid_argument), HasSubstr("units 1000000001"));
  wrong = valid;
  wrong.lease_seconds = 0;
  EXPECT_THAT(refusal(wrong, StatusCode::invalid_argument),
              HasSubstr("lease_seconds 0 is not above 0"));
  wrong = valid;
  wrong.sku_id = "sku-stove-fuel";
  EXPECT_THAT(refusal(wrong, StatusCode::invalid_argument),
              HasSubstr("SKU 'sku-stove-fuel' at node '3pl-columbus-2' is not shared stock; set "
                        "it first with inventory set"));
  wrong = valid;
  wrong.gateway_id = "gw-nowhere";
  EXPECT_THAT(refusal(wrong, StatusCode::not_found), HasSubstr("'gw-nowhere' is not registered"));
  wrong.gateway_id = "gw-gone";
  EXPECT_THAT(refusal(wrong, StatusCode::failed_precondition),
              HasSubstr("gateway 'gw-gone' is retired"));
  EXPECT_TRUE(store->escrow_quotas("")->empty()) << "no refused quota was kept";

  // Setting a quota again replaces it.
  ASSERT_TRUE(store->set_escrow_quota(valid, kSomeTimeUs).is_ok());
  EscrowQuota larger = valid;
  larger.units = 60;
  larger.lease_seconds = 7200;
  ASSERT_TRUE(store->set_escrow_quota(larger, kSomeTimeUs + 9).is_ok());
  set_quota(*store, kPoznan, 10);
  Result<std::vector<EscrowQuota>> quotas = store->escrow_quotas(kLeipzig);
  ASSERT_TRUE(quotas);
  ASSERT_EQ(quotas->size(), 1U);
  EXPECT_EQ((*quotas)[0].units, 60);
  EXPECT_EQ((*quotas)[0].lease_seconds, 7200);
  EXPECT_EQ((*quotas)[0].set_at_us, kSomeTimeUs + 9);
  EXPECT_EQ(store->escrow_quotas("")->size(), 2U);
}

TEST_F(CentralStoreEscrow, ATopUpGrantsTheNeedWithinWhatIsFreeSoTwoGatewaysNeverShareAUnit) {
  {
    std::unique_ptr<CentralStore> store = open_with_stock(100);
    ASSERT_NE(store, nullptr);
    set_quota(*store, kLeipzig, 70);
    set_quota(*store, kPoznan, 70);
    const std::vector<EscrowGrantRecord> leipzig = top_up(*store, kLeipzig, kSomeTimeUs + 1);
    ASSERT_EQ(leipzig.size(), 1U);
    EXPECT_EQ(leipzig[0].units, 70);
    EXPECT_EQ(leipzig[0].epoch, 1U);
    EXPECT_EQ(leipzig[0].expires_at_us, kSomeTimeUs + 1 + kLeaseSeconds * 1'000'000);
    EXPECT_EQ(leipzig[0].state, GrantState::pending);
    EXPECT_TRUE(names_central_escrow(leipzig[0].correlation_id)) << leipzig[0].correlation_id;
    // Poznań gets what is left, not its whole quota.
    const std::vector<EscrowGrantRecord> poznan = top_up(*store, kPoznan, kSomeTimeUs + 1);
    ASSERT_EQ(poznan.size(), 1U);
    EXPECT_EQ(poznan[0].units, 30);
    EXPECT_NE(poznan[0].correlation_id, leipzig[0].correlation_id);
    EXPECT_EQ(figures(*store), "free 0 leased 100");
    // Both apply their grants and sell everything: nothing is left to lease.
    apply(*store, kLeipzig, Batch({grant_applied(1, leipzig[0])}));
    apply(*store, kPoznan, Batch({grant_applied(1, poznan[0])}));
    report(*store, kLeipzig, 1, 0, 70);
    report(*store, kPoznan, 1, 0, 30);
    EXPECT_TRUE(top_up(*store, kLeipzig, kSomeTimeUs + 2).empty());
    EXPECT_TRUE(top_up(*store, kPoznan, kSomeTimeUs + 2).empty());
    EXPECT_EQ(figures(*store), "free 0 leased 100");
  }
  std::unique_ptr<CentralStore> reopened = open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(figures(*reopened), "free 0 leased 100");
  EXPECT_EQ(lease(*reopened, kLeipzig).outstanding_units, 70);
  EXPECT_EQ(lease(*reopened, kPoznan).outstanding_units, 30);
  EXPECT_EQ(grants(*reopened, "", GrantState::applied).size(), 2U);
}

// Two gateways lease one (node, SKU) through many rounds of top-ups, grants applied,
// refused and applied after all, grants only the journal holds (made by a central since
// restored from an older copy), standings, shipments and returns (some of more than the
// lease holds), receipts, write-offs, counts and replayed batches, in an order drawn
// from a fixed seed. The test keeps books of its own of the same events and, after every
// step, holds the store to them: what was counted and received, less what was written
// off and what shipped out of the leases, is free plus leased; each lease holds what the
// books say; a top-up never grants a unit that was not free, so free goes below 0 only
// by a count, a write-off or a grant the journal brought; a replayed batch moves nothing.
TEST_F(CentralStoreEscrow, NoUnitIsLeasedTwiceWhateverTheOrderOfEvents) {
  std::unique_ptr<CentralStore> store = open_with_stock(100);
  ASSERT_NE(store, nullptr);
  set_quota(*store, kLeipzig, 60);
  set_quota(*store, kPoznan, 45);
  std::mt19937 random(20260101);
  const auto draw = [&](std::int64_t below) {
    return static_cast<std::int32_t>(random() % static_cast<std::uint32_t>(below));
  };
  // One gateway's lease, and its journal, as the test's books have them.
  struct Books {
    std::int64_t outstanding = 0;
    std::int64_t granted = 0;
    std::int64_t returned = 0;
    std::int64_t shipped = 0;
    std::uint64_t epoch = 0;
    std::int64_t expires_at_us = 0;
    std::map<std::uint64_t, EscrowGrantRecord> pending;  // by id
    std::vector<EscrowGrantRecord> refused;              // the journal has not applied yet
    std::uint64_t sequence = 0;
    std::vector<OwnedEntry> last_batch;
  };
  std::map<std::string, Books> books = {{kLeipzig, {}}, {kPoznan, {}}};
  std::int64_t at_node = 100;  // counted and received, less written off and shipped
  std::int64_t free = 100;
  std::int64_t now = kSomeTimeUs;
  std::uint64_t lost_grants = 0;
  std::int64_t granted_total = 0;
  int clamped = 0;
  int applied_after_refusal = 0;
  const auto send = [&](const std::string& gateway, std::vector<OwnedEntry> entries) {
    apply(*store, gateway, Batch(entries), now);
    books[gateway].last_batch = std::move(entries);
  };
  // A grant the journal holds that central had not counted.
  const auto count_in = [&](Books& lease, std::int64_t units, std::uint64_t epoch,
                            std::int64_t expires_at_us) {
    lease.outstanding += units;
    lease.granted += units;
    free -= units;
    if (epoch >= lease.epoch) {
      lease.epoch = epoch;
      lease.expires_at_us = expires_at_us;
    }
  };
  for (int step = 0; step < 600; ++step) {
    const std::string gateway = random() % 2 == 0 ? kLeipzig : kPoznan;
    Books& mine = books[gateway];
    const std::int64_t free_before = free;
    bool free_may_fall_below_zero = false;  // a count, a write-off, a grant the journal brought
    switch (random() % 12) {
      case 0:
      case 1: {
        std::int64_t units = 0;
        for (const EscrowGrantRecord& grant : top_up(*store, gateway, now)) {
          ASSERT_EQ(grant.epoch, mine.epoch + 1) << "step " << step;
          ASSERT_EQ(grant.expires_at_us, now + kLeaseSeconds * 1'000'000) << "step " << step;
          mine.epoch = grant.epoch;
          mine.expires_at_us = grant.expires_at_us;
          mine.outstanding += grant.units;
          mine.granted += grant.units;
          mine.pending.emplace(grant.id, grant);
          units += grant.units;
        }
        ASSERT_LE(units, std::max<std::int64_t>(free_before, 0))
            << "step " << step << ": granted units that were not free";
        free -= units;
        granted_total += units;
        break;
      }
      case 2: {  // the gateway applies what it was sent
        std::vector<OwnedEntry> entries;
        for (const auto& [id, grant] : mine.pending)
          entries.push_back(grant_applied(++mine.sequence, grant));
        mine.pending.clear();
        if (!entries.empty()) send(gateway, std::move(entries));
        break;
      }
      case 3:
        if (mine.epoch > 0) report(*store, gateway, mine.epoch, draw(mine.outstanding + 1));
        break;
      case 4: {  // a shipment, at times of more than central has the lease hold
        const std::int32_t quantity = 1 + draw(mine.outstanding + 10);
        send(gateway, {handed_off(gateway, ++mine.sequence, "SO-" + std::to_string(step),
                                  {{kPartnerNode, kSharedSku, quantity}})});
        const std::int64_t out_of_lease = std::min<std::int64_t>(quantity, mine.outstanding);
        if (out_of_lease < quantity) ++clamped;
        mine.outstanding -= out_of_lease;
        mine.shipped += quantity;
        at_node -= out_of_lease;
        break;
      }
      case 5: {  // a return, likewise
        const std::int32_t units = 1 + draw(mine.outstanding + 10);
        send(gateway, {escrow_returned(gateway, ++mine.sequence, mine.epoch, units)});
        const std::int64_t back = std::min<std::int64_t>(units, mine.outstanding);
        if (back < units) ++clamped;
        mine.outstanding -= back;
        mine.returned += units;
        free += back;
        break;
      }
      case 6: {
        if (mine.pending.empty()) break;
        const EscrowGrantRecord grant = mine.pending.begin()->second;
        mine.pending.erase(mine.pending.begin());
        ASSERT_TRUE(store->refuse_escrow_grant(grant.id, gateway, "busy elsewhere", now).is_ok());
        const std::int64_t back = std::min<std::int64_t>(grant.units, mine.outstanding);
        mine.outstanding -= back;
        mine.granted -= grant.units;
        free += back;
        mine.refused.push_back(grant);
        set_quota(*store, gateway, 30 + draw(40), now + 1);  // an operator asks again
        break;
      }
      case 7: {
        const std::int32_t received = 1 + draw(20);
        ASSERT_TRUE(store->adjust_shared_stock(kPartnerNode, kSharedSku, received, now));
        at_node += received;
        free += received;
        break;
      }
      case 8: {
        const std::int32_t written_off = 1 + draw(15);
        ASSERT_TRUE(store->adjust_shared_stock(kPartnerNode, kSharedSku, -written_off, now));
        at_node -= written_off;
        free -= written_off;
        free_may_fall_below_zero = true;
        break;
      }
      case 9: {
        const std::int64_t counted = std::max<std::int64_t>(0, at_node + draw(11) - 5);
        ASSERT_TRUE(store->set_shared_stock(kPartnerNode, kSharedSku, counted, now));
        at_node = counted;
        free = counted - books[kLeipzig].outstanding - books[kPoznan].outstanding;
        free_may_fall_below_zero = true;
        break;
      }
      case 10: {  // the journal holds a grant central had not counted
        free_may_fall_below_zero = true;
        if (!mine.refused.empty() && random() % 2 == 0) {
          const EscrowGrantRecord grant = mine.refused.back();
          mine.refused.pop_back();
          send(gateway, {grant_applied(++mine.sequence, grant)});
          count_in(mine, grant.units, grant.epoch, grant.expires_at_us);
          ++applied_after_refusal;
        } else {
          const std::int32_t units = 1 + draw(30);
          const std::uint64_t epoch = mine.epoch + 1 + static_cast<std::uint64_t>(draw(3));
          send(gateway,
               {escrow_change_of(gateway, ++mine.sequence, EscrowChangeKind::granted, epoch, units,
                                 central_escrow_correlation_id(0x5eed0000 + ++lost_grants),
                                 kPartnerNode, kSharedSku, now + kHourUs)});
          count_in(mine, units, epoch, now + kHourUs);
        }
        break;
      }
      case 11:  // the acknowledgement was lost: the gateway sends its last batch again
        if (!mine.last_batch.empty()) {
          EXPECT_EQ(apply(*store, gateway, Batch(mine.last_batch), now).duplicates,
                    mine.last_batch.size())
              << "step " << step;
        }
        break;
    }
    now += draw(20) * 60'000'000LL;  // up to 19 minutes: leases of an hour run out

    const SharedStock after = stock(*store);
    ASSERT_EQ(after.free_units, free) << "step " << step;
    ASSERT_EQ(after.free_units + after.leased_units, at_node) << "step " << step;
    if (!free_may_fall_below_zero) {
      ASSERT_GE(after.free_units, std::min<std::int64_t>(free_before, 0)) << "step " << step;
    }
    for (const auto& [id, kept] : books) {
      const EscrowLease held = lease(*store, id);
      ASSERT_EQ(held.outstanding_units, kept.outstanding) << id << ", step " << step;
      ASSERT_EQ(held.granted_units, kept.granted) << id << ", step " << step;
      ASSERT_EQ(held.returned_units, kept.returned) << id << ", step " << step;
      ASSERT_EQ(held.shipped_units, kept.shipped) << id << ", step " << step;
      ASSERT_EQ(held.epoch, kept.epoch) << id << ", step " << step;
      ASSERT_EQ(held.expires_at_us, kept.expires_at_us) << id << ", step " << step;
      std::vector<std::uint64_t> pending_ids;
      for (const EscrowGrantRecord& grant : grants(*store, id, GrantState::pending))
        pending_ids.push_back(grant.id);
      std::vector<std::uint64_t> kept_ids;
      for (const auto& [grant_id, grant] : kept.pending) kept_ids.push_back(grant_id);
      ASSERT_EQ(pending_ids, kept_ids) << id << ", step " << step;
    }
  }
  // The rounds exercised what they are for.
  EXPECT_GT(granted_total, 200);
  EXPECT_GT(clamped, 10);
  EXPECT_GT(lost_grants, 5U);
  EXPECT_GT(applied_after_refusal, 2);
}

TEST_F(CentralStoreEscrow, APendingGrantBlocksASecondTopUpOfTheSameLease) {
  std::unique_ptr<CentralStore> store = open_with_stock(100);
  ASSERT_NE(store, nullptr);
  set_quota(*store, kLeipzig, 40);
  const std::vector<EscrowGrantRecord> first = top_up(*store, kLeipzig);
  ASSERT_EQ(first.size(), 1U);
  // Even past the lease's expiry, which would otherwise top it up in full.
  EXPECT_TRUE(top_up(*store, kLeipzig, kSomeTimeUs + 2 * kHourUs).empty());
  EXPECT_EQ(figures(*store), "free 60 leased 40");
  EXPECT_EQ(grants(*store, kLeipzig).size(), 1U);
  // Another gateway's leases are its own.
  set_quota(*store, kPoznan, 10);
  EXPECT_EQ(granted_by_top_up(*store, kPoznan), 10);
  apply(*store, kLeipzig, Batch({grant_applied(1, first[0])}));
  const std::vector<EscrowGrantRecord> second = top_up(*store, kLeipzig, kSomeTimeUs + 2 * kHourUs);
  ASSERT_EQ(second.size(), 1U);
  EXPECT_EQ(second[0].units, 40);
  EXPECT_EQ(second[0].epoch, 2U);
  EXPECT_EQ(figures(*store), "free 10 leased 90");
}

TEST_F(CentralStoreEscrow, AGrantIsAppliedOnceByTheGatewaysOwnEscrowChangeEntry) {
  {
    std::unique_ptr<CentralStore> store = open_with_stock(100);
    ASSERT_NE(store, nullptr);
    set_quota(*store, kLeipzig, 40);
    const std::vector<EscrowGrantRecord> made = top_up(*store, kLeipzig);
    ASSERT_EQ(made.size(), 1U);
    // Poznań journals Leipzig's id (it cannot happen, but must settle nothing), and an
    // entry under the id whose payload does not verify tells nothing.
    apply(*store, kPoznan,
          Batch({escrow_change_of(kPoznan, 1, EscrowChangeKind::granted, 1, 40,
                                  made[0].correlation_id)}));
    OwnedEntry garbage = entry_of(kLeipzig, 1);
    garbage.kind = EntryKind::escrow_change;
    garbage.correlation_id = made[0].correlation_id;
    apply(*store, kLeipzig, Batch({garbage}));
    EXPECT_EQ(grants(*store, kLeipzig, GrantState::pending).size(), 1U);

    const Batch batch({entry_of(kLeipzig, 2), grant_applied(3, made[0])});
    apply(*store, kLeipzig, batch, kSomeTimeUs + 7);
    EXPECT_EQ(apply(*store, kLeipzig, batch, kSomeTimeUs + 8).duplicates, 2U);
    EXPECT_EQ(store->refuse_escrow_grant(made[0].id, kLeipzig, "late", kSomeTimeUs + 9).code(),
              StatusCode::failed_precondition);
  }
  std::unique_ptr<CentralStore> reopened = open();
  ASSERT_NE(reopened, nullptr);
  const std::vector<EscrowGrantRecord> all = grants(*reopened, kLeipzig);
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0].state, GrantState::applied);
  EXPECT_EQ(all[0].applied_at_sequence, 3U);
  EXPECT_EQ(all[0].settled_at_us, kSomeTimeUs + 7);
  EXPECT_EQ(figures(*reopened), "free 60 leased 40") << "applying moves no units";
}

TEST_F(CentralStoreEscrow, ReturnedUnitsComeBackToFreeExactlyOnceEvenWhenTheBatchIsReplayed) {
  const Batch returned_batch({escrow_returned(kLeipzig, 2, 1, 25)});
  {
    std::unique_ptr<CentralStore> store = open_with_stock(100);
    ASSERT_NE(store, nullptr);
    set_quota(*store, kLeipzig, 40);
    const std::vector<EscrowGrantRecord> made = top_up(*store, kLeipzig);
    ASSERT_EQ(made.size(), 1U);
    apply(*store, kLeipzig, Batch({grant_applied(1, made[0])}));
    apply(*store, kLeipzig, returned_batch);
    EXPECT_EQ(figures(*store), "free 85 leased 15");
    // The gateway never heard the acknowledgement and sends 1..2 again.
    const Batch replayed({grant_applied(1, made[0]), escrow_returned(kLeipzig, 2, 1, 25)});
    EXPECT_EQ(apply(*store, kLeipzig, replayed).duplicates, 2U);
    EXPECT_EQ(figures(*store), "free 85 leased 15");
  }
  std::unique_ptr<CentralStore> reopened = open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(apply(*reopened, kLeipzig, returned_batch).duplicates, 1U);
  EXPECT_EQ(figures(*reopened), "free 85 leased 15");
  const EscrowLease held = lease(*reopened, kLeipzig);
  EXPECT_EQ(held.outstanding_units, 15);
  EXPECT_EQ(held.granted_units, 40);
  EXPECT_EQ(held.returned_units, 25);
}

TEST_F(CentralStoreEscrow, AReturnGivesBackNoMoreThanTheLeaseHoldsAndNothingWithoutALease) {
  std::unique_ptr<CentralStore> store = open_with_stock(100);
  ASSERT_NE(store, nullptr);
  set_quota(*store, kLeipzig, 40);
  ASSERT_EQ(granted_by_top_up(*store, kLeipzig), 40);
  // Poznań holds no lease there: its return gives nothing back.
  apply(*store, kPoznan, Batch({escrow_returned(kPoznan, 1, 1, 30)}));
  EXPECT_EQ(figures(*store), "free 60 leased 40");
  // More than the lease holds (its count of shipments and central's disagree): free_units
  // gets back what the lease held, never a unit it did not lease out.
  apply(*store, kLeipzig, Batch({escrow_returned(kLeipzig, 1, 1, 55)}));
  EXPECT_EQ(figures(*store), "free 100 leased 0");
  EXPECT_EQ(lease(*store, kLeipzig).returned_units, 55);
}

TEST_F(CentralStoreEscrow, ARefusedGrantGivesItsUnitsBackAndWaitsForTheQuotaToBeSetAgain) {
  std::unique_ptr<CentralStore> store = open_with_stock(100);
  ASSERT_NE(store, nullptr);
  set_quota(*store, kLeipzig, 40);
  const std::vector<EscrowGrantRecord> made = top_up(*store, kLeipzig);
  ASSERT_EQ(made.size(), 1U);
  EXPECT_EQ(store->refuse_escrow_grant(made[0].id, kPoznan, "not mine", kSomeTimeUs).code(),
            StatusCode::not_found);
  EXPECT_EQ(store->refuse_escrow_grant(made[0].id + 1, kLeipzig, "?", kSomeTimeUs).code(),
            StatusCode::not_found);
  ASSERT_TRUE(store
                  ->refuse_escrow_grant(made[0].id, kLeipzig,
                                        "node '3pl-columbus-2' is not in this network",
                                        kSomeTimeUs + 1)
                  .is_ok());
  EXPECT_EQ(figures(*store), "free 100 leased 0");
  EXPECT_EQ(lease(*store, kLeipzig).granted_units, 0) << "refused grants are not counted";
  const std::vector<EscrowGrantRecord> refused = grants(*store, "", GrantState::refused);
  ASSERT_EQ(refused.size(), 1U);
  EXPECT_EQ(refused[0].refusal, "node '3pl-columbus-2' is not in this network");
  EXPECT_EQ(refused[0].settled_at_us, kSomeTimeUs + 1);
  const Status again = store->refuse_escrow_grant(made[0].id, kLeipzig, "again", kSomeTimeUs + 2);
  EXPECT_EQ(again.code(), StatusCode::failed_precondition);
  EXPECT_THAT(again.message(), HasSubstr("is refused, not pending"));
  // Granting again would be refused again: a conflict waits for an operator.
  EXPECT_TRUE(top_up(*store, kLeipzig, kSomeTimeUs + 2 * kHourUs).empty());
  set_quota(*store, kLeipzig, 40, kSomeTimeUs + 3);
  const std::vector<EscrowGrantRecord> second = top_up(*store, kLeipzig, kSomeTimeUs + 4);
  ASSERT_EQ(second.size(), 1U);
  EXPECT_EQ(second[0].units, 40);
  EXPECT_EQ(second[0].epoch, 2U) << "an epoch is never handed out twice";
  EXPECT_EQ(figures(*store), "free 60 leased 40");

  // The journal is the record: an entry naming the refused grant (the gateway applied it
  // after all) puts its units in the lease and takes them out of free, and the refusal is
  // a conflict no more.
  const Batch applied_after_all({grant_applied(1, made[0])});
  apply(*store, kLeipzig, applied_after_all, kSomeTimeUs + 5);
  EXPECT_EQ(figures(*store), "free 20 leased 80");
  const EscrowLease held = lease(*store, kLeipzig);
  EXPECT_EQ(held.outstanding_units, 80);
  EXPECT_EQ(held.granted_units, 80);
  EXPECT_EQ(held.epoch, 2U) << "the entry's epoch is below the lease's";
  EXPECT_EQ(held.expires_at_us, second[0].expires_at_us) << "the newest grant's expiry stays";
  EXPECT_TRUE(grants(*store, "", GrantState::refused).empty());
  const std::vector<EscrowGrantRecord> applied = grants(*store, kLeipzig, GrantState::applied);
  ASSERT_EQ(applied.size(), 1U);
  EXPECT_EQ(applied[0].id, made[0].id);
  EXPECT_EQ(applied[0].applied_at_sequence, 1U);
  EXPECT_EQ(applied[0].settled_at_us, kSomeTimeUs + 5);
  EXPECT_EQ(applied[0].refusal, "node '3pl-columbus-2' is not in this network")
      << "the conflict stays on record";
  // Once, however often the batch comes.
  EXPECT_EQ(apply(*store, kLeipzig, applied_after_all, kSomeTimeUs + 6).duplicates, 1U);
  EXPECT_EQ(figures(*store), "free 20 leased 80");
}

TEST_F(CentralStoreEscrow, GrantsOnlyTheJournalHoldsAreCountedIntoTheLeaseOnceAfterARestore) {
  std::vector<OwnedEntry> journal;
  {
    std::unique_ptr<CentralStore> store = open_with_stock(100);
    ASSERT_NE(store, nullptr);
    set_quota(*store, kLeipzig, 40);
    const std::vector<EscrowGrantRecord> first = top_up(*store, kLeipzig);
    ASSERT_EQ(first.size(), 1U);
    journal.push_back(grant_applied(1, first[0]));
    apply(*store, kLeipzig, Batch({journal.back()}));
    report(*store, kLeipzig, 1, 0, 40);
    const std::vector<EscrowGrantRecord> second = top_up(*store, kLeipzig, kSomeTimeUs + 60);
    ASSERT_EQ(second.size(), 1U);
    journal.push_back(grant_applied(2, second[0]));
  }
  // The copy restored predates both grants: it counts all 100 free and knows no lease,
  // while the gateway may sell 80 there.
  std::filesystem::remove(path_);
  std::unique_ptr<CentralStore> restored = open_with_stock(100);
  ASSERT_NE(restored, nullptr);
  set_quota(*restored, kLeipzig, 40);
  const Batch replayed(journal);
  EXPECT_EQ(apply(*restored, kLeipzig, replayed, kSomeTimeUs + 70).applied, 2U);
  EXPECT_EQ(figures(*restored), "free 20 leased 80");
  const EscrowLease held = lease(*restored, kLeipzig);
  EXPECT_EQ(held.outstanding_units, 80);
  EXPECT_EQ(held.granted_units, 80);
  EXPECT_EQ(held.epoch, 2U);
  EXPECT_EQ(held.expires_at_us, kSomeTimeUs + 60 + kLeaseSeconds * 1'000'000)
      << "the newest grant's expiry";
  EXPECT_TRUE(grants(*restored, kLeipzig).empty()) << "the store's grants are its own";
  // Replayed again, nothing moves.
  EXPECT_EQ(apply(*restored, kLeipzig, replayed, kSomeTimeUs + 80).duplicates, 2U);
  EXPECT_EQ(figures(*restored), "free 20 leased 80");
  // The next grant comes from what is truly free, under an epoch the gateway takes.
  report(*restored, kLeipzig, 2, 0, 80);
  const std::vector<EscrowGrantRecord> next = top_up(*restored, kLeipzig, kSomeTimeUs + 90);
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(next[0].units, 20);
  EXPECT_EQ(next[0].epoch, 3U);
  EXPECT_EQ(figures(*restored), "free 0 leased 100");
}

TEST_F(CentralStoreEscrow, AJournalsGrantBeyondWhatIsFreeLeavesAConflictAndGrantsNothingMore) {
  std::unique_ptr<CentralStore> store = open_with_stock(30);
  ASSERT_NE(store, nullptr);
  set_quota(*store, kLeipzig, 10);
  // Grants of a central since lost: more than this one counts free, and one at a node
  // it never counted.
  const Batch batch({escrow_change_of(kPoznan, 1, EscrowChangeKind::granted, 4, 45,
                                      central_escrow_correlation_id(0x51)),
                     escrow_change_of(kPoznan, 2, EscrowChangeKind::granted, 1, 5,
                                      central_escrow_correlation_id(0x52), "3pl-austin-1")});
  apply(*store, kPoznan, batch);
  EXPECT_EQ(figures(*store), "free -15 leased 45");
  const EscrowLease held = lease(*store, kPoznan);
  EXPECT_EQ(held.epoch, 4U);
  EXPECT_EQ(held.outstanding_units, 45);
  EXPECT_EQ(held.granted_units, 45);
  EXPECT_EQ(held.reported_unreserved_units, -1);
  const SharedStock austin = stock(*store, "3pl-austin-1");
  EXPECT_EQ(austin.free_units, -5);
  EXPECT_EQ(austin.leased_units, 5);
  EXPECT_EQ(austin.updated_at_us, 0) << "never counted or adjusted";
  EXPECT_EQ(apply(*store, kPoznan, batch).duplicates, 2U);
  EXPECT_EQ(figures(*store), "free -15 leased 45");
  // Nothing is granted out of less than nothing, until stock comes back.
  EXPECT_TRUE(top_up(*store, kLeipzig).empty());
  ASSERT_TRUE(store->adjust_shared_stock(kPartnerNode, kSharedSku, 20, kSomeTimeUs));
  EXPECT_EQ(granted_by_top_up(*store, kLeipzig), 5);
  EXPECT_EQ(figures(*store), "free 0 leased 50");
}

TEST_F(CentralStoreEscrow, ADeltaThroughAGatewayIsRefusedForSharedStockNamingWhatToUseInstead) {
  std::unique_ptr<CentralStore> store = open_with_stock(100);
  ASSERT_NE(store, nullptr);
  const Result<std::uint64_t> refused =
      store->add_inventory_delta(kLeipzig, kPartnerNode, kSharedSku, 5, "PO 4711", kSomeTimeUs);
  EXPECT_EQ(refused.status().code(), StatusCode::failed_precondition);
  EXPECT_THAT(refused.status().message(),
              HasSubstr("SKU 'sku-tent-2p' at node '3pl-columbus-2' is shared stock, counted at "
                        "central: use inventory adjust without --gateway or inventory set"));
  EXPECT_TRUE(store->inventory_deltas("", std::nullopt)->empty());
  EXPECT_EQ(figures(*store), "free 100 leased 0");
  // An unknown or retired gateway is refused for what it is.
  EXPECT_EQ(
      store->add_inventory_delta("gw-nowhere", kPartnerNode, kSharedSku, 5, "", 0).status().code(),
      StatusCode::not_found);
  ASSERT_TRUE(store->register_gateway("gw-gone", fingerprint('c'), kSomeTimeUs).is_ok());
  ASSERT_TRUE(store->retire_gateway("gw-gone", kSomeTimeUs + 1).is_ok());
  EXPECT_THAT(
      store->add_inventory_delta("gw-gone", kPartnerNode, kSharedSku, 5, "", 0).status().message(),
      HasSubstr("gateway 'gw-gone' is retired"));
  // Another SKU at that node, or that SKU at a node the gateway homes, is the gateway's.
  EXPECT_TRUE(store->add_inventory_delta(kLeipzig, kPartnerNode, "sku-stove-fuel", 5, "", 0));
  EXPECT_TRUE(store->add_inventory_delta(kLeipzig, "fc-leipzig", kSharedSku, 5, "", 0));
}

TEST_F(CentralStoreEscrow, ATopUpWithNothingDueLeavesTheWriteLockAlone) {
  std::unique_ptr<CentralStore> store = open_with_stock(100);
  ASSERT_NE(store, nullptr);
  set_quota(*store, kLeipzig, 40);
  set_quota(*store, kPoznan, 10);
  const std::vector<EscrowGrantRecord> made = top_up(*store, kLeipzig);
  ASSERT_EQ(made.size(), 1U);
  apply(*store, kPoznan,
        Batch({escrow_change_of(kPoznan, 1, EscrowChangeKind::granted, 1, 10,
                                central_escrow_correlation_id(0x77))}));
  // Another process holds the write lock (an operator's command mid-transaction); a
  // top-up that took it would wait for it, then fail.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  // Leipzig's grant is pending, Poznań's lease holds its quota: nothing is due.
  for (const char* gateway : {kLeipzig, kPoznan, "gw-nowhere"}) {
    Result<std::vector<EscrowGrantRecord>> none = store->top_up_escrow(gateway, kSomeTimeUs + 1);
    ASSERT_TRUE(none) << gateway << ": " << none.status().to_string();
    EXPECT_TRUE(none->empty()) << gateway;
  }
  EXPECT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  // Once Poznań's lease has run out, a grant is due, and made.
  EXPECT_EQ(granted_by_top_up(*store, kPoznan, kSomeTimeUs + 2 * kHourUs), 10);
}

TEST_F(CentralStoreEscrow, HandedOffShipmentsTakeTheirLinesOutOfTheLeaseButNotOutOfFree) {
  std::unique_ptr<CentralStore> store = open_with_stock(100);
  ASSERT_NE(store, nullptr);
  set_quota(*store, kLeipzig, 50);
  ASSERT_EQ(granted_by_top_up(*store, kLeipzig), 50);
  // A line at the gateway's own node, and Poznań's shipment at the partner node (it holds
  // no lease there), take nothing from Leipzig's lease.
  apply(*store, kLeipzig,
        Batch({handed_off(kLeipzig, 1, "SO-1",
                          {{kPartnerNode, kSharedSku, 20}, {"fc-leipzig", kSharedSku, 5}})}));
  apply(*store, kPoznan, Batch({handed_off(kPoznan, 1, "SO-9", {{kPartnerNode, kSharedSku, 3}})}));
  EXPECT_EQ(figures(*store), "free 50 leased 30");
  EXPECT_EQ(lease(*store, kLeipzig).shipped_units, 20);
  // A payload one byte off any alignment is read all the same.
  apply_at_odd_address(*store, kLeipzig,
                       handed_off(kLeipzig, 2, "SO-2", {{kPartnerNode, kSharedSku, 10}}));
  EXPECT_EQ(figures(*store), "free 50 leased 20");
  // More than the lease holds empties it; the shipment is counted whole.
  apply(*store, kLeipzig,
        Batch({handed_off(kLeipzig, 3, "SO-3", {{kPartnerNode, kSharedSku, 25}})}));
  EXPECT_EQ(figures(*store), "free 50 leased 0");
  EXPECT_EQ(lease(*store, kLeipzig).shipped_units, 55);
  // Replayed, nothing moves.
  EXPECT_EQ(apply(*store, kLeipzig,
                  Batch({handed_off(kLeipzig, 3, "SO-3", {{kPartnerNode, kSharedSku, 25}})}))
                .duplicates,
            1U);
  EXPECT_EQ(lease(*store, kLeipzig).shipped_units, 55);
}

TEST_F(CentralStoreEscrow, AStandingAtTheLeasesEpochDrivesTheNeedAndAStaleOneIsIgnored) {
  std::unique_ptr<CentralStore> store = open_with_stock(1000);
  ASSERT_NE(store, nullptr);
  set_quota(*store, kLeipzig, 40);
  const std::vector<EscrowGrantRecord> first = top_up(*store, kLeipzig);
  ASSERT_EQ(first.size(), 1U);
  apply(*store, kLeipzig, Batch({grant_applied(1, first[0])}));
  // Without a standing the lease is taken to be all unreserved: no grant on a guess.
  EXPECT_TRUE(top_up(*store, kLeipzig).empty());
  // 5 sold of 40: below a quarter of the quota, no top-up yet.
  report(*store, kLeipzig, 1, 35, 5);
  EXPECT_EQ(lease(*store, kLeipzig).reported_unreserved_units, 35);
  EXPECT_EQ(lease(*store, kLeipzig).reported_reserved_units, 5);
  EXPECT_TRUE(top_up(*store, kLeipzig).empty());
  // 15 sold: topped up by 15.
  report(*store, kLeipzig, 1, 25, 15);
  const std::vector<EscrowGrantRecord> second = top_up(*store, kLeipzig);
  ASSERT_EQ(second.size(), 1U);
  EXPECT_EQ(second[0].units, 15);
  EXPECT_EQ(second[0].epoch, 2U);
  EXPECT_EQ(lease(*store, kLeipzig).reported_unreserved_units, -1)
      << "a new grant makes the last standing stale";
  apply(*store, kLeipzig, Batch({grant_applied(2, second[0])}));
  // A standing of epoch 1, sent before the gateway took up epoch 2, is ignored: the lease
  // is again taken to be all unreserved (55 outstanding, above the quota).
  report(*store, kLeipzig, 1, 0, 40);
  EXPECT_EQ(lease(*store, kLeipzig).reported_unreserved_units, -1);
  EXPECT_TRUE(top_up(*store, kLeipzig).empty());
  // And so is a standing of a lease central does not know.
  const EscrowLeaseStanding unknown{"3pl-austin-1", kSharedSku, 2, 0, 0, 0};
  EXPECT_TRUE(store->record_escrow_standing(kLeipzig, {&unknown, 1}, kSomeTimeUs).is_ok());
  EXPECT_EQ(store->escrow_leases()->size(), 1U);
  report(*store, kLeipzig, 2, 10, 45);
  EXPECT_EQ(granted_by_top_up(*store, kLeipzig), 30);
  EXPECT_EQ(figures(*store), "free 915 leased 85");
}

TEST_F(CentralStoreEscrow, AnExpiredLeaseCountsAsHoldingNothingUnreserved) {
  std::unique_ptr<CentralStore> store = open_with_stock(100);
  ASSERT_NE(store, nullptr);
  set_quota(*store, kLeipzig, 30);
  const std::vector<EscrowGrantRecord> first = top_up(*store, kLeipzig);
  ASSERT_EQ(first.size(), 1U);
  apply(*store, kLeipzig, Batch({grant_applied(1, first[0])}));
  report(*store, kLeipzig, 1, 29, 1);
  EXPECT_TRUE(top_up(*store, kLeipzig, first[0].expires_at_us - 1).empty());
  // Run out: its unreserved units are on their way back, and the gateway needs a lease.
  const std::vector<EscrowGrantRecord> renewed = top_up(*store, kLeipzig, first[0].expires_at_us);
  ASSERT_EQ(renewed.size(), 1U);
  EXPECT_EQ(renewed[0].units, 30);
  EXPECT_EQ(renewed[0].expires_at_us, first[0].expires_at_us + kLeaseSeconds * 1'000'000);
  EXPECT_EQ(figures(*store), "free 40 leased 60");
  // The old epoch's 29 unreserved units come back through the journal.
  apply(*store, kLeipzig,
        Batch({escrow_returned(kLeipzig, 2, 1, 29), grant_applied(3, renewed[0])}));
  EXPECT_EQ(figures(*store), "free 69 leased 31");
}

TEST_F(CentralStoreEscrow, NothingIsGrantedToARetiredOrUnknownGatewayOrUnderAQuotaOfZero) {
  std::unique_ptr<CentralStore> store = open_with_stock(100);
  ASSERT_NE(store, nullptr);
  set_quota(*store, kLeipzig, 40);
  set_quota(*store, kPoznan, 0);
  EXPECT_TRUE(top_up(*store, kPoznan).empty());
  ASSERT_TRUE(store->retire_gateway(kLeipzig, kSomeTimeUs + 1).is_ok());
  EXPECT_TRUE(top_up(*store, kLeipzig).empty());
  EXPECT_TRUE(top_up(*store, "gw-nowhere").empty());
  EXPECT_EQ(figures(*store), "free 100 leased 0");
  ASSERT_TRUE(store->register_gateway(kLeipzig, fingerprint('a'), kSomeTimeUs + 2).is_ok());
  EXPECT_EQ(granted_by_top_up(*store, kLeipzig), 40);
}

TEST_F(CentralStoreEscrow, ARetiredGatewaysRunOutLeasesAreReclaimedIntoUncountedUntilACount) {
  std::unique_ptr<CentralStore> store = open_with_stock(100);
  ASSERT_NE(store, nullptr);
  set_quota(*store, kLeipzig, 40);
  set_quota(*store, kPoznan, 30);
  const std::vector<EscrowGrantRecord> made = top_up(*store, kLeipzig);
  ASSERT_EQ(made.size(), 1U);
  apply(*store, kLeipzig, Batch({grant_applied(1, made[0])}));
  ASSERT_EQ(granted_by_top_up(*store, kPoznan), 30);
  const std::int64_t expiry = made[0].expires_at_us;

  // An active gateway's journal gives its leases back; an unknown one has none.
  const Result<std::vector<EscrowLease>> active = store->reclaim_escrow_leases(kLeipzig, expiry);
  EXPECT_EQ(active.status().code(), StatusCode::failed_precondition);
  EXPECT_THAT(active.status().message(), HasSubstr("the gateway is active"));
  EXPECT_EQ(store->reclaim_escrow_leases("gw-nowhere", expiry).status().code(),
            StatusCode::not_found);

  // Retired, but its clock was 5 s behind central's: it sells from the lease 5 s past
  // the expiry, and nothing is taken back until then.
  ASSERT_TRUE(store->record_contact(kLeipzig, kSomeTimeUs, 1, -5'000'000).is_ok());
  ASSERT_TRUE(store->retire_gateway(kLeipzig, kSomeTimeUs + 1).is_ok());
  const Result<std::vector<EscrowLease>> early =
      store->reclaim_escrow_leases(kLeipzig, expiry + 4'000'000);
  EXPECT_EQ(early.status().code(), StatusCode::failed_precondition);
  EXPECT_THAT(early.status().message(),
              HasSubstr("its lease of SKU 'sku-tent-2p' at node '3pl-columbus-2' (40 unit(s)) "
                        "runs until " +
                        std::to_string(expiry + 5'000'000)));
  EXPECT_THAT(early.status().message(), HasSubstr("5000000 µs behind"));
  EXPECT_EQ(figures(*store), "free 30 leased 70") << "a refusal changes nothing";

  const Result<std::vector<EscrowLease>> reclaimed =
      store->reclaim_escrow_leases(kLeipzig, expiry + 5'000'000);
  ASSERT_TRUE(reclaimed) << reclaimed.status().to_string();
  ASSERT_EQ(reclaimed->size(), 1U);
  EXPECT_EQ((*reclaimed)[0].outstanding_units, 40) << "as the lease was";
  // Neither free nor leased: the gateway may have sold some of the 40.
  EXPECT_EQ(figures(*store), "free 30 leased 30");
  EXPECT_EQ(stock(*store).uncounted_units, 40);
  const EscrowLease after = lease(*store, kLeipzig);
  EXPECT_EQ(after.outstanding_units, 0);
  EXPECT_EQ(after.reclaimed_units, 40);
  EXPECT_EQ(after.granted_units, 40);
  // Nothing more to take back.
  const Result<std::vector<EscrowLease>> again =
      store->reclaim_escrow_leases(kLeipzig, expiry + 6'000'000);
  ASSERT_TRUE(again) << again.status().to_string();
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(stock(*store).uncounted_units, 40);

  // A receipt leaves them uncounted; a count settles them: 95 at the node, the retired
  // gateway sold 5 of its 40.
  ASSERT_TRUE(store->adjust_shared_stock(kPartnerNode, kSharedSku, 10, kSomeTimeUs + 2));
  EXPECT_EQ(stock(*store).uncounted_units, 40);
  ASSERT_TRUE(store->set_shared_stock(kPartnerNode, kSharedSku, 105, kSomeTimeUs + 3));
  EXPECT_EQ(figures(*store), "free 75 leased 30");
  EXPECT_EQ(stock(*store).uncounted_units, 0);
}

TEST_F(CentralStoreEscrow,
       AReclaimedGatewaysPendingGrantIsRefusedAndItsLaterJournalGivesNothingTwice) {
  std::unique_ptr<CentralStore> store = open_with_stock(100);
  ASSERT_NE(store, nullptr);
  set_quota(*store, kLeipzig, 40);
  const std::vector<EscrowGrantRecord> first = top_up(*store, kLeipzig);
  ASSERT_EQ(first.size(), 1U);
  apply(*store, kLeipzig, Batch({grant_applied(1, first[0])}));
  report(*store, kLeipzig, first[0].epoch, 0, 40);  // sold out: the next grant is due
  const std::vector<EscrowGrantRecord> second = top_up(*store, kLeipzig, kSomeTimeUs + 1);
  ASSERT_EQ(second.size(), 1U);
  EXPECT_EQ(figures(*store), "free 20 leased 80");

  ASSERT_TRUE(store->retire_gateway(kLeipzig, kSomeTimeUs + 2).is_ok());
  const Result<std::vector<EscrowLease>> reclaimed =
      store->reclaim_escrow_leases(kLeipzig, second[0].expires_at_us);
  ASSERT_TRUE(reclaimed) << reclaimed.status().to_string();
  ASSERT_EQ(reclaimed->size(), 1U);
  EXPECT_EQ((*reclaimed)[0].outstanding_units, 80) << "the pending grant's units too";
  EXPECT_EQ(figures(*store), "free 20 leased 0");
  EXPECT_EQ(stock(*store).uncounted_units, 80);
  const std::vector<EscrowGrantRecord> refused = grants(*store, kLeipzig, GrantState::refused);
  ASSERT_EQ(refused.size(), 1U);
  EXPECT_EQ(refused[0].id, second[0].id);
  EXPECT_EQ(refused[0].refusal, "the lease was reclaimed from the retired gateway");
  EXPECT_TRUE(grants(*store, kLeipzig, GrantState::pending).empty()) << "never sent again";

  // It comes back after all, and its journal tells the rest: the pending grant it had
  // applied counts into the lease (out of free: the journal is the record), and its
  // return of the first lease's units gives back no more than the lease now holds.
  ASSERT_TRUE(store->register_gateway(kLeipzig, fingerprint('a'), kSomeTimeUs + 3).is_ok());
  apply(*store, kLeipzig,
        Batch({grant_applied(2, second[0]), escrow_returned(kLeipzig, 3, second[0].epoch, 55)}));
  EXPECT_EQ(figures(*store), "free 20 leased 0");
  const EscrowLease after = lease(*store, kLeipzig);
  EXPECT_EQ(after.outstanding_units, 0);
  EXPECT_EQ(after.reclaimed_units, 80);
  EXPECT_EQ(stock(*store).uncounted_units, 80) << "only a count settles them";
}

TEST(CentralEscrowCorrelation, NamesAGrantByANonceAndNothingElse) {
  EXPECT_EQ(central_escrow_correlation_id(0x2a), "central-escrow:000000000000002a");
  EXPECT_TRUE(names_central_escrow("central-escrow:000000000000002a"));
  EXPECT_FALSE(names_central_escrow(central_delta_correlation_id(0x2a)));
  EXPECT_FALSE(names_central_delta(central_escrow_correlation_id(0x2a)));
  EXPECT_FALSE(names_central_closure(central_escrow_correlation_id(0x2a)));
}

// A store as format version 4 left it: format 3's tables and the retired column.
TEST_F(CentralStoreTest, AFormatFourStoreIsUpgradedInPlaceWithItsDataIntactAndLeasesEscrow) {
  std::string schema = kFormatOneSchemaSql;
  schema.replace(schema.find("$FINGERPRINT"), 12, fingerprint('a'));
  schema.replace(schema.find("PRAGMA user_version = 1;"), 24, "PRAGMA user_version = 4;");
  run_sql(path_, schema + kFormatTwoPolicyTablesSql + kFormatThreeClosureTablesSql +
                     "ALTER TABLE gateways ADD COLUMN retired_at_us INTEGER NOT NULL DEFAULT 0;");
  {
    std::unique_ptr<CentralStore> store = open();
    ASSERT_NE(store, nullptr);
    const GatewayRecord leipzig = record(*store, kLeipzig);
    EXPECT_EQ(leipzig.acknowledged, 2U);
    EXPECT_EQ(leipzig.clock_skew_us, -40);
    EXPECT_EQ(read_all(*store, kLeipzig).size(), 2U);
    EXPECT_EQ(store->inventory_deltas("", InventoryDelta::State::applied)->size(), 1U);
    Result<std::vector<PolicyOutcome>> outcomes = store->policy_outcomes(7);
    ASSERT_TRUE(outcomes) << outcomes.status().to_string();
    ASSERT_EQ(outcomes->size(), 1U);
    EXPECT_EQ((*outcomes)[0].settled_at_us, 7) << "when its entry, sequence 2, arrived";
    Result<std::vector<PolicyRollout>> rollouts = store->policy_rollouts(kSomeTimeUs);
    ASSERT_TRUE(rollouts) << rollouts.status().to_string();
    ASSERT_EQ(rollouts->size(), 1U);
    EXPECT_EQ((*rollouts)[0].wave_timeout_us, 0) << "a policy pushed before waits without limit";
    EXPECT_EQ(store->node_closure_deliveries(kLeipzig, NodeClosureDelivery::State::pending)->size(),
              1U);
    EXPECT_EQ(store->stranded_orders()->size(), 1U);
    EXPECT_TRUE(store->shared_stock()->empty());
    // The new tables work, and the journal goes on where it stood.
    ASSERT_TRUE(store->set_shared_stock(kPartnerNode, kSharedSku, 10, kSomeTimeUs));
    const EscrowQuota quota{kLeipzig, kPartnerNode, kSharedSku, 4, kLeaseSeconds, 0};
    ASSERT_TRUE(store->set_escrow_quota(quota, kSomeTimeUs).is_ok());
    Result<std::vector<EscrowGrantRecord>> made = store->top_up_escrow(kLeipzig, kSomeTimeUs);
    ASSERT_TRUE(made) << made.status().to_string();
    ASSERT_EQ(made->size(), 1U);
    EXPECT_EQ(apply(*store, kLeipzig, Batch({grant_applied(3, (*made)[0])})).acknowledged, 3U);
  }
  EXPECT_EQ(query_integer(path_, "PRAGMA user_version"), 7);
  EXPECT_EQ(query_integer(path_,
                          "SELECT count(*) FROM sqlite_schema WHERE name IN "
                          "('shared_stock', 'escrow_quotas', 'escrow_leases', 'escrow_grants')"),
            4);
  std::unique_ptr<CentralStore> reopened = open();
  ASSERT_NE(reopened, nullptr);
  Result<std::vector<EscrowGrantRecord>> applied =
      reopened->escrow_grants(kLeipzig, EscrowGrantRecord::State::applied);
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->size(), 1U);
  Result<std::vector<SharedStock>> stock = reopened->shared_stock();
  ASSERT_TRUE(stock);
  ASSERT_EQ(stock->size(), 1U);
  EXPECT_EQ((*stock)[0].free_units, 6);
  EXPECT_EQ((*stock)[0].leased_units, 4);
}

// A store as format version 5 left it: a store of today's format without the columns
// format 6 added and the table of format 7, holding a lease of a gateway since retired.
TEST_F(CentralStoreEscrow, AFormatFiveStoreIsUpgradedInPlaceAndCanReclaimALease) {
  std::int64_t expiry = 0;
  {
    std::unique_ptr<CentralStore> store = open_with_stock(100);
    ASSERT_NE(store, nullptr);
    set_quota(*store, kLeipzig, 40);
    const std::vector<EscrowGrantRecord> made = top_up(*store, kLeipzig);
    ASSERT_EQ(made.size(), 1U);
    apply(*store, kLeipzig, Batch({grant_applied(1, made[0])}));
    ASSERT_TRUE(store->retire_gateway(kLeipzig, kSomeTimeUs + 1).is_ok());
    expiry = made[0].expires_at_us;
  }
  run_sql(path_,
          "ALTER TABLE escrow_leases DROP COLUMN reclaimed_units; "
          "ALTER TABLE shared_stock DROP COLUMN uncounted_units; DROP TABLE homed_stock; "
          "PRAGMA user_version = 5;");
  {
    std::unique_ptr<CentralStore> store = open();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(figures(*store), "free 60 leased 40");
    EXPECT_EQ(lease(*store, kLeipzig).reclaimed_units, 0);
    const Result<std::vector<EscrowLease>> reclaimed =
        store->reclaim_escrow_leases(kLeipzig, expiry);
    ASSERT_TRUE(reclaimed) << reclaimed.status().to_string();
    EXPECT_EQ(figures(*store), "free 60 leased 0");
  }
  EXPECT_EQ(query_integer(path_, "PRAGMA user_version"), 7);
  std::unique_ptr<CentralStore> reopened = open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(stock(*reopened).uncounted_units, 40);
  EXPECT_EQ(lease(*reopened, kLeipzig).reclaimed_units, 40);
}

// Every table, column and index of the store at `path`, as the schema records them.
std::string schema_of(const std::string& path) {
  return query_text(path,
                    "SELECT group_concat(type || ' ' || name || ': ' || coalesce(sql, ''), '\n') "
                    "FROM (SELECT * FROM sqlite_schema ORDER BY type, name)");
}

TEST_F(CentralStoreTest, AFormatFourStoreUpgradedTakesReopeningsAndHasTheSchemaOfANewStore) {
  std::string schema = kFormatOneSchemaSql;
  schema.replace(schema.find("$FINGERPRINT"), 12, fingerprint('a'));
  schema.replace(schema.find("PRAGMA user_version = 1;"), 24, "PRAGMA user_version = 4;");
  run_sql(path_, schema + kFormatTwoPolicyTablesSql + kFormatThreeClosureTablesSql +
                     "ALTER TABLE gateways ADD COLUMN retired_at_us INTEGER NOT NULL DEFAULT 0;");
  {
    std::unique_ptr<CentralStore> store = open();
    ASSERT_NE(store, nullptr);
    // The closure format 4 held closes its node; a reopening can follow it.
    Result<std::vector<NodeClosure>> before = store->node_closures();
    ASSERT_TRUE(before) << before.status().to_string();
    ASSERT_EQ(before->size(), 1U);
    EXPECT_FALSE((*before)[0].reopen);
    Result<std::uint64_t> reopening =
        store->add_node_reopening("fc-leipzig", "water pumped out", kSomeTimeUs);
    ASSERT_TRUE(reopening) << reopening.status().to_string();
    EXPECT_EQ(*reopening, 2U);
  }
  EXPECT_EQ(query_integer(path_,
                          "SELECT count(*) FROM pragma_table_info('node_closures') "
                          "WHERE name = 'reopen' AND \"notnull\" = 1 AND dflt_value = '0'"),
            1);
  EXPECT_EQ(query_text(path_,
                       "SELECT group_concat(reopen, ',') FROM "
                       "(SELECT reopen FROM node_closures ORDER BY id)"),
            "0,1");

  const std::string new_path = directory_ / "new.db";
  {
    Result<std::unique_ptr<CentralStore>> created = open_sqlite_central_store(new_path);
    ASSERT_TRUE(created) << created.status().to_string();
  }
  EXPECT_EQ(schema_of(path_), schema_of(new_path));
}

// The homed stock of record (docs/sync.md, "Stock of record"), as `inventory homed` lists it.
std::string homed_rows(const CentralStore& store, std::string_view node_id = "") {
  Result<std::vector<HomedStock>> homed = store.homed_stock(node_id);
  EXPECT_TRUE(homed) << homed.status().to_string();
  std::string rows;
  if (!homed) return rows;
  for (const HomedStock& stock : *homed) {
    rows += fmt::format("{} {} {} on_hand {} reserved {} as_of {} mark {};", stock.node_id,
                        stock.sku_id, stock.gateway_id, stock.on_hand, stock.reserved,
                        stock.as_of_sequence, stock.central_mark);
  }
  return rows;
}

TEST_F(CentralStoreTest, AStockReportIsKeptPerRecordAndALatePartNeverUndoesANewerOne) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(homed_rows(*store), "");
  apply(*store, kLeipzig, Batch(kLeipzig, 1, 12));
  const std::vector<StockRecordReport> at_ten = {{"fc-leipzig", "sku-tent", 40, 3},
                                                 {"fc-leipzig", "sku-kayak", 2, 0}};
  ASSERT_TRUE(store->record_stock_report(kLeipzig, 10, at_ten, kSomeTimeUs).is_ok());
  EXPECT_EQ(homed_rows(*store),
            "fc-leipzig sku-kayak gw-leipzig-1 on_hand 2 reserved 0 as_of 10 mark 12;"
            "fc-leipzig sku-tent gw-leipzig-1 on_hand 40 reserved 3 as_of 10 mark 12;");

  // A newer part replaces the record it names and leaves the others.
  const std::vector<StockRecordReport> at_twelve = {{"fc-leipzig", "sku-tent", 37, 0}};
  ASSERT_TRUE(store->record_stock_report(kLeipzig, 12, at_twelve, kSomeTimeUs + 1).is_ok());
  // A part read earlier that arrives late does not undo it.
  const std::vector<StockRecordReport> at_eleven = {{"fc-leipzig", "sku-tent", 39, 1}};
  ASSERT_TRUE(store->record_stock_report(kLeipzig, 11, at_eleven, kSomeTimeUs + 2).is_ok());
  EXPECT_EQ(homed_rows(*store, "fc-leipzig"),
            "fc-leipzig sku-kayak gw-leipzig-1 on_hand 2 reserved 0 as_of 10 mark 12;"
            "fc-leipzig sku-tent gw-leipzig-1 on_hand 37 reserved 0 as_of 12 mark 12;");

  // Another gateway's report of the same node (two gateways claiming one node) is a row of
  // its own, never an overwrite; and a node's listing leaves the other nodes out.
  ASSERT_TRUE(
      store
          ->record_stock_report(kPoznan, 4,
                                std::vector<StockRecordReport>{{"fc-leipzig", "sku-tent", 5, 0},
                                                               {"store-poznan", "sku-tent", 9, 0}},
                                kSomeTimeUs)
          .is_ok());
  EXPECT_EQ(homed_rows(*store, "store-poznan"),
            "store-poznan sku-tent gw_poznan-2 on_hand 9 reserved 0 as_of 4 mark 0;");
  EXPECT_THAT(homed_rows(*store, "fc-leipzig"),
              HasSubstr("fc-leipzig sku-tent gw_poznan-2 on_hand 5 reserved 0 as_of 4 mark 0;"));
  EXPECT_THAT(homed_rows(*store, "fc-leipzig"),
              HasSubstr("fc-leipzig sku-tent gw-leipzig-1 on_hand 37"));

  // Kept across a reopen.
  store.reset();
  std::unique_ptr<CentralStore> reopened = open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_THAT(homed_rows(*reopened, "fc-leipzig"),
              HasSubstr("fc-leipzig sku-tent gw-leipzig-1 on_hand 37 reserved 0 as_of 12"));
}

TEST_F(CentralStoreTest, AStockReportOfAnUnknownGatewayOrOfNegativeUnitsKeepsNothing) {
  std::unique_ptr<CentralStore> store = open_registered();
  ASSERT_NE(store, nullptr);
  const std::vector<StockRecordReport> good = {{"fc-leipzig", "sku-tent", 40, 0}};
  const Status unknown = store->record_stock_report("gw-nowhere", 3, good, kSomeTimeUs);
  EXPECT_EQ(unknown.code(), StatusCode::not_found);
  EXPECT_THAT(unknown.message(), HasSubstr("gw-nowhere"));

  const std::vector<StockRecordReport> negative = {{"fc-leipzig", "sku-tent", 40, 0},
                                                   {"fc-leipzig", "sku-kayak", -1, 0}};
  const Status refused = store->record_stock_report(kLeipzig, 3, negative, kSomeTimeUs);
  EXPECT_EQ(refused.code(), StatusCode::invalid_argument);
  EXPECT_THAT(refused.message(), HasSubstr("record 1 (SKU 'sku-kayak' at node 'fc-leipzig'"));
  const std::vector<StockRecordReport> unnamed = {{"", "sku-tent", 1, 0}};
  EXPECT_EQ(store->record_stock_report(kLeipzig, 3, unnamed, kSomeTimeUs).code(),
            StatusCode::invalid_argument);
  EXPECT_EQ(homed_rows(*store), "") << "a refused part keeps none of its records";
}

// A store as format version 6 left it: today's schema without the homed stock table.
TEST_F(CentralStoreTest, AFormatSixStoreIsUpgradedInPlaceAndKeepsStockReports) {
  {
    std::unique_ptr<CentralStore> store = open_registered();
    ASSERT_NE(store, nullptr);
    apply(*store, kLeipzig, Batch(kLeipzig, 1, 3));
  }
  run_sql(path_, "DROP TABLE homed_stock; PRAGMA user_version = 6;");
  {
    std::unique_ptr<CentralStore> store = open();
    ASSERT_NE(store, nullptr);
    const std::vector<StockRecordReport> report = {{"fc-leipzig", "sku-tent", 40, 0}};
    ASSERT_TRUE(store->record_stock_report(kLeipzig, 3, report, kSomeTimeUs).is_ok());
  }
  EXPECT_EQ(query_integer(path_, "PRAGMA user_version"), 7);
  std::unique_ptr<CentralStore> reopened = open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(homed_rows(*reopened),
            "fc-leipzig sku-tent gw-leipzig-1 on_hand 40 reserved 0 as_of 3 mark 3;");
  const std::string new_path = directory_ / "new.db";
  {
    Result<std::unique_ptr<CentralStore>> created = open_sqlite_central_store(new_path);
    ASSERT_TRUE(created) << created.status().to_string();
  }
  EXPECT_EQ(schema_of(path_), schema_of(new_path));
}

}  // namespace
}  // namespace edgeroute::sync
