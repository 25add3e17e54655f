// Specifies central's store on real files, one fresh directory under /tmp per test:
// a replayed batch applies exactly once (duplicates skipped, an overlap applies its new
// tail, a gap or a malformed batch applies nothing), also across closing and reopening;
// read_journal() gives back the exact entries with payloads FlatBuffers can read in
// place; gateways are registered, rotated and kept apart; a full disk (max_page_count)
// applies nothing and leaves the store usable; open refuses every file that is not a
// central store, naming the path.
#include <sqlite3.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/sync/central_delta.h"
#include "edgeroute/sync/central_store.h"
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
  for (const unsigned kind : {0U, 8U, 255U}) {
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
  run_sql(newer_path, "PRAGMA user_version = 2");
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

TEST(CentralDeltaCorrelation, NamesADeltaByANonceAndNothingElse) {
  EXPECT_EQ(central_delta_correlation_id(0x2a), "central-delta:000000000000002a");
  EXPECT_TRUE(names_central_delta("central-delta:000000000000002a"));
  EXPECT_FALSE(names_central_delta("PO 4711"));
  EXPECT_FALSE(names_central_delta("central-delta"));
}

}  // namespace
}  // namespace edgeroute::sync
