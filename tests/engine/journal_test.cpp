// Specifies the gateway's journal on real files, one fresh directory under /tmp per
// test: sequence numbers stay gap-free across batches and reopenings, a scan starts
// anywhere, documents and the acknowledged mark persist, open() refuses every file that
// is not this gateway's journal (naming the path), a full disk (max_page_count) rolls a
// batch back without harming what came before or leaving a gap after, the WAL file
// stays bounded, also after a reader held it for a while, and a read-only journal beside
// the writer sees what it committed and writes nothing. One entry reads back by its
// sequence, also through an EntryReader that many threads share while the writer appends.
#include <sqlite3.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/journal/entry_reader.h"
#include "edgeroute/journal/journal.h"
#include "edgeroute/testing/temporary_directory.h"
#include "edgeroute/testing/unprivileged_file_access.h"

namespace edgeroute::journal {
namespace {

using ::testing::HasSubstr;
using testing::TemporaryDirectory;

constexpr char kGateway[] = "gw-leipzig-1";
constexpr std::size_t kPayloadBytes = 700;
constexpr std::int64_t kSomeTimeUs = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z

// What entry `sequence` of these tests holds; the read side checks it byte for byte.
struct ExpectedEntry {
  EntryKind kind;
  std::int64_t recorded_at_us;
  std::string order_id;
  std::string correlation_id;
  std::vector<std::uint8_t> payload;
};

ExpectedEntry expected_entry(std::uint64_t sequence, std::size_t payload_bytes = kPayloadBytes) {
  ExpectedEntry entry;
  entry.kind = static_cast<EntryKind>(1 + sequence % 7);
  entry.recorded_at_us = kSomeTimeUs + static_cast<std::int64_t>(sequence) * 1000;
  entry.order_id = "SO-" + std::to_string(1'000'000 + sequence);
  entry.correlation_id = "corr-" + std::to_string(sequence);
  entry.payload.resize(payload_bytes);
  for (std::size_t index = 0; index < payload_bytes; ++index) {
    entry.payload[index] = static_cast<std::uint8_t>((sequence * 131 + index * 7) & 0xffU);
  }
  return entry;
}

// `count` entries meant to become first, first+1, ...: the entries own their bytes,
// the EntryToAppend views point into them.
class Batch {
 public:
  Batch(std::uint64_t first, std::size_t count, std::size_t payload_bytes = kPayloadBytes) {
    entries_.reserve(count);
    for (std::size_t index = 0; index < count; ++index) {
      entries_.push_back(expected_entry(first + index, payload_bytes));
    }
    for (const ExpectedEntry& entry : entries_) {
      views_.push_back(EntryToAppend{entry.kind, entry.recorded_at_us, entry.order_id,
                                     entry.correlation_id, entry.payload});
    }
  }
  std::span<const EntryToAppend> views() const { return views_; }

 private:
  std::vector<ExpectedEntry> entries_;
  std::vector<EntryToAppend> views_;
};

// Every entry from `from` on, copied out of the visitor.
std::vector<ExpectedEntry> read_all(const Journal& journal, std::uint64_t from,
                                    std::vector<std::uint64_t>* sequences = nullptr) {
  std::vector<ExpectedEntry> entries;
  const Status read = journal.read(from, [&](const StoredEntry& stored) {
    if (sequences != nullptr) sequences->push_back(stored.sequence);
    entries.push_back(ExpectedEntry{stored.kind,
                                    stored.recorded_at_us,
                                    std::string(stored.order_id),
                                    std::string(stored.correlation_id),
                                    {stored.payload.begin(), stored.payload.end()}});
    return Status::ok();
  });
  EXPECT_TRUE(read.is_ok()) << read.to_string();
  return entries;
}

void expect_entries(const Journal& journal, std::uint64_t from, std::uint64_t last) {
  std::vector<std::uint64_t> sequences;
  const std::vector<ExpectedEntry> entries = read_all(journal, from, &sequences);
  ASSERT_EQ(entries.size(), last >= from ? last - from + 1 : 0);
  for (std::size_t index = 0; index < entries.size(); ++index) {
    const std::uint64_t sequence = from + index;
    const ExpectedEntry expected = expected_entry(sequence);
    ASSERT_EQ(sequences[index], sequence);
    EXPECT_EQ(entries[index].kind, expected.kind) << "entry " << sequence;
    EXPECT_EQ(entries[index].recorded_at_us, expected.recorded_at_us) << "entry " << sequence;
    EXPECT_EQ(entries[index].order_id, expected.order_id) << "entry " << sequence;
    EXPECT_EQ(entries[index].correlation_id, expected.correlation_id) << "entry " << sequence;
    EXPECT_EQ(entries[index].payload, expected.payload) << "entry " << sequence;
  }
}

// Entry `sequence` read on its own, as the journal holds it; the read's status.
Status read_one(const std::function<Status(std::uint64_t,
                                           const std::function<Status(const StoredEntry&)>&)>& read,
                std::uint64_t sequence, std::optional<ExpectedEntry>& found) {
  found.reset();
  return read(sequence, [&](const StoredEntry& stored) {
    EXPECT_EQ(stored.sequence, sequence);
    found = ExpectedEntry{stored.kind,
                          stored.recorded_at_us,
                          std::string(stored.order_id),
                          std::string(stored.correlation_id),
                          {stored.payload.begin(), stored.payload.end()}};
    return Status::ok();
  });
}

bool same_entry(const ExpectedEntry& read, const ExpectedEntry& expected) {
  return read.kind == expected.kind && read.recorded_at_us == expected.recorded_at_us &&
         read.order_id == expected.order_id && read.correlation_id == expected.correlation_id &&
         read.payload == expected.payload;
}

// Runs SQL on `path` through a connection of its own, as an operator's tool would.
void run_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int executed = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(executed, SQLITE_OK) << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

std::int64_t query_integer(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_step(statement), SQLITE_ROW);
  const std::int64_t value = sqlite3_column_int64(statement, 0);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

void write_file(const std::string& path, const std::string& contents) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << contents;
  ASSERT_TRUE(file.good()) << path;
}

std::uint64_t file_size(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return 0;
  return static_cast<std::uint64_t>(status.st_size);
}

using testing::UnprivilegedFileAccess;

class JournalTest : public ::testing::Test {
 protected:
  JournalOptions options() const {
    JournalOptions options;
    options.path = path_;
    options.gateway_id = kGateway;
    return options;
  }

  std::unique_ptr<Journal> open(const JournalOptions& options) {
    Result<std::unique_ptr<Journal>> opened = Journal::open(options);
    EXPECT_TRUE(opened) << opened.status().to_string();
    return opened ? std::move(*opened) : nullptr;
  }
  std::unique_ptr<Journal> open() { return open(options()); }

  // Appends entries first..first+count-1 in one batch, expecting exactly that range.
  void append(Journal& journal, std::uint64_t first, std::size_t count) {
    const Batch batch(first, count);
    Result<SequenceRange> range = journal.append(batch.views());
    ASSERT_TRUE(range) << range.status().to_string();
    EXPECT_EQ(range->first, first);
    EXPECT_EQ(range->last, first + count - 1);
  }

  Status open_status(const JournalOptions& options) {
    Result<std::unique_ptr<Journal>> opened = Journal::open(options);
    EXPECT_FALSE(opened) << options.path << " opened";
    return opened.status();
  }

  TemporaryDirectory directory_{"journal"};
  std::string path_ = directory_ / "journal.db";
};

TEST(EntryKind, KeepsTheNumbersStoredOnDiskAndItsNames) {
  const std::vector<std::pair<EntryKind, std::string_view>> kinds = {
      {EntryKind::decision, "decision"},
      {EntryKind::release, "release"},
      {EntryKind::inventory_adjustment, "inventory_adjustment"},
      {EntryKind::fulfillment_event, "fulfillment_event"},
      {EntryKind::policy_change, "policy_change"},
      {EntryKind::network_change, "network_change"},
      {EntryKind::reroute, "reroute"},
      {EntryKind::escrow_change, "escrow_change"},
  };
  for (std::size_t index = 0; index < kinds.size(); ++index) {
    EXPECT_EQ(static_cast<unsigned>(kinds[index].first), index + 1);
    EXPECT_EQ(to_string(kinds[index].first), kinds[index].second);
  }
  EXPECT_EQ(to_string(static_cast<EntryKind>(99)), "unknown");
}

TEST_F(JournalTest, SequencesAreGapFreeAcrossBatchesAndReopening) {
  {
    std::unique_ptr<Journal> journal = open();
    ASSERT_NE(journal, nullptr);
    EXPECT_EQ(journal->last_sequence(), 0U);
    append(*journal, 1, 3);
    append(*journal, 4, 1);
    append(*journal, 5, 64);
    Result<SequenceRange> empty = journal->append({});
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->empty());
    EXPECT_EQ(empty->first, 69U);
    EXPECT_EQ(journal->last_sequence(), 68U);
  }
  std::unique_ptr<Journal> journal = open();
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(journal->last_sequence(), 68U);
  append(*journal, 69, 2);
  expect_entries(*journal, 1, 70);
  EXPECT_EQ(journal->stats().appended_entries, 2U);
}

// Journals are made with 8 KB pages now; one made with 4 KB pages by an earlier build
// keeps them, and is read and appended to as before.
TEST_F(JournalTest, AJournalWithTheEarlierPageSizeKeepsWorking) {
  {
    std::unique_ptr<Journal> journal = open();
    ASSERT_NE(journal, nullptr);
    EXPECT_EQ(journal->stats().page_size, 8192U);
    append(*journal, 1, 40);
  }
  // As the earlier build left it: 4 KB pages (VACUUM rewrites the file with them; it
  // cannot change a WAL database's page size, so the file leaves WAL mode meanwhile).
  run_sql(path_,
          "PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096; VACUUM; "
          "PRAGMA journal_mode = WAL;");
  ASSERT_EQ(query_integer(path_, "PRAGMA page_size"), 4096);
  {
    std::unique_ptr<Journal> journal = open();
    ASSERT_NE(journal, nullptr);
    EXPECT_EQ(journal->stats().page_size, 4096U);
    EXPECT_EQ(journal->last_sequence(), 40U);
    append(*journal, 41, 40);
  }
  std::unique_ptr<Journal> journal = open();
  ASSERT_NE(journal, nullptr);
  expect_entries(*journal, 1, 80);
  EXPECT_EQ(query_integer(path_, "PRAGMA page_size"), 4096);
}

TEST_F(JournalTest, ReadStartsAnywhereAndVisitsTheRestInOrder) {
  std::unique_ptr<Journal> journal = open();
  ASSERT_NE(journal, nullptr);
  append(*journal, 1, 10);
  expect_entries(*journal, 4, 10);
  expect_entries(*journal, 10, 10);
  expect_entries(*journal, 11, 10);
  EXPECT_EQ(read_all(*journal, 0).size(), 10U);
}

TEST_F(JournalTest, TheVisitorStopsTheScanAndItsStatusComesBack) {
  std::unique_ptr<Journal> journal = open();
  ASSERT_NE(journal, nullptr);
  append(*journal, 1, 10);
  std::vector<std::uint64_t> visited;
  const Status stopped = journal->read(1, [&](const StoredEntry& entry) {
    visited.push_back(entry.sequence);
    if (entry.sequence == 3) return Status(StatusCode::not_found, "enough");
    return Status::ok();
  });
  EXPECT_EQ(stopped, Status(StatusCode::not_found, "enough"));
  EXPECT_EQ(visited, (std::vector<std::uint64_t>{1, 2, 3}));
  // The interrupted scan holds nothing: the next append and scan work.
  append(*journal, 11, 1);
  expect_entries(*journal, 1, 11);
}

TEST_F(JournalTest, OneEntryReadsBackByItsSequence) {
  std::unique_ptr<Journal> journal = open();
  ASSERT_NE(journal, nullptr);
  append(*journal, 1, 10);
  const auto read = [&](std::uint64_t sequence,
                        const std::function<Status(const StoredEntry&)>& visit) {
    return journal->read_entry(sequence, visit);
  };
  std::optional<ExpectedEntry> found;
  for (const std::uint64_t sequence : {1U, 7U, 10U}) {
    const Status status = read_one(read, sequence, found);
    ASSERT_TRUE(status.is_ok()) << status.to_string();
    ASSERT_TRUE(found.has_value());
    EXPECT_TRUE(same_entry(*found, expected_entry(sequence))) << "entry " << sequence;
  }
  for (const std::uint64_t missing : {0U, 11U}) {
    const Status status = read_one(read, missing, found);
    EXPECT_EQ(status.code(), StatusCode::not_found) << status.to_string();
    EXPECT_THAT(status.message(), HasSubstr(path_));
    EXPECT_THAT(status.message(), HasSubstr("no entry " + std::to_string(missing)));
    EXPECT_FALSE(found.has_value());
  }
  // The visitor's verdict is the read's; the read holds nothing afterwards.
  const Status refused = journal->read_entry(
      3, [](const StoredEntry&) { return Status(StatusCode::corruption, "no"); });
  EXPECT_EQ(refused, Status(StatusCode::corruption, "no"));
  const Status nested = journal->read(1, [&](const StoredEntry&) {
    return journal->read_entry(1, [](const StoredEntry&) { return Status::ok(); });
  });
  EXPECT_EQ(nested.code(), StatusCode::failed_precondition);
  append(*journal, 11, 1);
  EXPECT_TRUE(read_one(read, 11, found).is_ok());
}

TEST_F(JournalTest, WritesFromInsideAVisitorAreRefused) {
  std::unique_ptr<Journal> journal = open();
  ASSERT_NE(journal, nullptr);
  append(*journal, 1, 2);
  const Batch batch(3, 1);
  Status nested_append;
  Status nested_read;
  const Status read = journal->read(1, [&](const StoredEntry&) {
    nested_append = journal->append(batch.views()).status();
    nested_read = journal->read(1, [](const StoredEntry&) { return Status::ok(); });
    return Status::ok();
  });
  EXPECT_TRUE(read.is_ok()) << read.to_string();
  EXPECT_EQ(nested_append.code(), StatusCode::failed_precondition);
  EXPECT_EQ(nested_read.code(), StatusCode::failed_precondition);
  EXPECT_EQ(journal->last_sequence(), 2U);
}

TEST_F(JournalTest, EmptyIdsAndPayloadsComeBackEmpty) {
  std::unique_ptr<Journal> journal = open();
  ASSERT_NE(journal, nullptr);
  const EntryToAppend adjustment{EntryKind::inventory_adjustment, kSomeTimeUs, {}, {}, {}};
  Result<SequenceRange> range = journal->append({&adjustment, 1});
  ASSERT_TRUE(range) << range.status().to_string();
  std::vector<ExpectedEntry> entries = read_all(*journal, 1);
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_EQ(entries[0].kind, EntryKind::inventory_adjustment);
  EXPECT_EQ(entries[0].order_id, "");
  EXPECT_EQ(entries[0].correlation_id, "");
  EXPECT_TRUE(entries[0].payload.empty());
}

TEST_F(JournalTest, AnUnknownKindIsRefusedAndNothingOfTheBatchIsWritten) {
  std::unique_ptr<Journal> journal = open();
  ASSERT_NE(journal, nullptr);
  Batch good(1, 2);
  std::vector<EntryToAppend> entries(good.views().begin(), good.views().end());
  entries[1].kind = static_cast<EntryKind>(kEntryKindLast + 1);
  Result<SequenceRange> refused = journal->append(entries);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().code(), StatusCode::invalid_argument);
  EXPECT_EQ(journal->last_sequence(), 0U);
  append(*journal, 1, 2);
}

TEST_F(JournalTest, DocumentsAreReplacedWholeAndSurviveReopening) {
  const std::vector<std::uint8_t> network_v1(5000, 0x11);
  const std::vector<std::uint8_t> network_v2 = {1, 2, 3};
  const std::vector<std::uint8_t> policy(300 * 1024, 0x22);
  {
    std::unique_ptr<Journal> journal = open();
    ASSERT_NE(journal, nullptr);
    ASSERT_TRUE(journal->put_document("network", network_v1, 0).is_ok());
    append(*journal, 1, 4);
    ASSERT_TRUE(journal->put_document("network", network_v2, 4).is_ok());
    ASSERT_TRUE(journal->put_document("policy", policy, 2).is_ok());
    const Status future = journal->put_document("inventory", network_v2, 5);
    EXPECT_EQ(future.code(), StatusCode::out_of_range);
    EXPECT_THAT(future.message(), HasSubstr(path_));
  }
  std::unique_ptr<Journal> journal = open();
  ASSERT_NE(journal, nullptr);
  Result<std::optional<Document>> network = journal->document("network");
  ASSERT_TRUE(network) << network.status().to_string();
  ASSERT_TRUE(network->has_value());
  EXPECT_EQ((*network)->bytes, network_v2);
  EXPECT_EQ((*network)->as_of_sequence, 4U);
  Result<std::optional<Document>> stored_policy = journal->document("policy");
  ASSERT_TRUE(stored_policy && stored_policy->has_value());
  EXPECT_EQ((*stored_policy)->bytes, policy);
  EXPECT_EQ((*stored_policy)->as_of_sequence, 2U);
  Result<std::optional<Document>> inventory = journal->document("inventory");
  ASSERT_TRUE(inventory);
  EXPECT_FALSE(inventory->has_value());
  // Asked whether it holds a document, the journal says so without reading it.
  const Result<bool> has_policy = journal->has_document("policy");
  ASSERT_TRUE(has_policy) << has_policy.status().to_string();
  EXPECT_TRUE(*has_policy);
  const Result<bool> has_inventory = journal->has_document("inventory");
  ASSERT_TRUE(has_inventory) << has_inventory.status().to_string();
  EXPECT_FALSE(*has_inventory);
}

TEST_F(JournalTest, AcknowledgedPersistsAndNeverGoesBackwardsOrAhead) {
  {
    std::unique_ptr<Journal> journal = open();
    ASSERT_NE(journal, nullptr);
    EXPECT_EQ(journal->acknowledged(), 0U);
    append(*journal, 1, 5);
    ASSERT_TRUE(journal->set_acknowledged(3).is_ok());
    const Status backwards = journal->set_acknowledged(2);
    EXPECT_EQ(backwards.code(), StatusCode::failed_precondition);
    EXPECT_THAT(backwards.message(), HasSubstr(path_));
    EXPECT_EQ(journal->set_acknowledged(6).code(), StatusCode::out_of_range);
    EXPECT_TRUE(journal->set_acknowledged(3).is_ok());
    EXPECT_EQ(journal->acknowledged(), 3U);
  }
  std::unique_ptr<Journal> journal = open();
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(journal->acknowledged(), 3U);
  EXPECT_EQ(journal->stats().acknowledged_sequence, 3U);
  EXPECT_EQ(journal->set_acknowledged(1).code(), StatusCode::failed_precondition);
  ASSERT_TRUE(journal->set_acknowledged(5).is_ok());
}

TEST_F(JournalTest, TheFileCarriesItsApplicationIdFormatVersionAndWalMode) {
  {
    std::unique_ptr<Journal> journal = open();
    ASSERT_NE(journal, nullptr);
    append(*journal, 1, 1);
  }
  EXPECT_EQ(query_integer(path_, "PRAGMA application_id"), 0x45524A4C);
  EXPECT_EQ(query_integer(path_, "PRAGMA user_version"), 1);
  // WAL mode is recorded in the file header (bytes 18 and 19 are 2).
  std::ifstream file(path_, std::ios::binary);
  char header[20] = {};
  file.read(header, sizeof header);
  EXPECT_EQ(std::string(header, 16), std::string("SQLite format 3\0", 16));
  EXPECT_EQ(header[18], 2);
  EXPECT_EQ(header[19], 2);
  EXPECT_EQ(query_integer(path_, "SELECT count(*) FROM entries"), 1);
}

TEST_F(JournalTest, RefusesAFileOfRandomBytesNamingThePath) {
  std::mt19937 random(7);
  std::string bytes(16384, '\0');
  for (char& byte : bytes) byte = static_cast<char>(random() & 0xffU);
  write_file(path_, bytes);
  const Status refused = open_status(options());
  EXPECT_EQ(refused.code(), StatusCode::corruption);
  EXPECT_THAT(refused.message(), HasSubstr(path_));
  EXPECT_THAT(refused.message(), HasSubstr("not a database"));
}

TEST_F(JournalTest, RefusesAnEmptyFileRatherThanBuildingInIt) {
  write_file(path_, "");
  const Status refused = open_status(options());
  EXPECT_EQ(refused.code(), StatusCode::corruption);
  EXPECT_THAT(refused.message(), HasSubstr(path_));
  EXPECT_EQ(file_size(path_), 0U);
}

TEST_F(JournalTest, RefusesTextThatIsNotSQLite) {
  write_file(path_, "gateway_id = gw-leipzig-1\n");
  const Status refused = open_status(options());
  EXPECT_EQ(refused.code(), StatusCode::corruption);
  EXPECT_THAT(refused.message(), HasSubstr(path_));
}

TEST_F(JournalTest, RefusesTheSQLiteDatabaseOfAnotherApplication) {
  run_sql(path_, "CREATE TABLE orders (id TEXT PRIMARY KEY); INSERT INTO orders VALUES ('a');");
  const Status refused = open_status(options());
  EXPECT_EQ(refused.code(), StatusCode::failed_precondition);
  EXPECT_THAT(refused.message(), HasSubstr(path_));
  EXPECT_THAT(refused.message(), HasSubstr("not an edgeroute journal"));
  EXPECT_EQ(query_integer(path_, "SELECT count(*) FROM orders"), 1);
}

TEST_F(JournalTest, RefusesTheJournalOfAnotherGateway) {
  open().reset();
  JournalOptions other = options();
  other.gateway_id = "gw-dresden-2";
  const Status refused = open_status(other);
  EXPECT_EQ(refused.code(), StatusCode::failed_precondition);
  EXPECT_THAT(refused.message(), HasSubstr(path_));
  EXPECT_THAT(refused.message(), HasSubstr(kGateway));
  EXPECT_THAT(refused.message(), HasSubstr("gw-dresden-2"));
}

TEST_F(JournalTest, RefusesNewerAndOlderFormatVersions) {
  open().reset();
  run_sql(path_, "PRAGMA user_version = 2");
  const Status newer = open_status(options());
  EXPECT_EQ(newer.code(), StatusCode::failed_precondition);
  EXPECT_THAT(newer.message(), HasSubstr(path_));
  EXPECT_THAT(newer.message(), HasSubstr("newer"));
  run_sql(path_, "PRAGMA user_version = 0");
  const Status older = open_status(options());
  EXPECT_EQ(older.code(), StatusCode::failed_precondition);
  EXPECT_THAT(older.message(), HasSubstr("older"));
}

TEST_F(JournalTest, RefusesAJournalWhoseTablesAreNotTheFormats) {
  open().reset();
  run_sql(path_, "DROP TABLE documents");
  const Status refused = open_status(options());
  EXPECT_EQ(refused.code(), StatusCode::corruption);
  EXPECT_THAT(refused.message(), HasSubstr(path_));
  EXPECT_THAT(refused.message(), HasSubstr("documents"));
}

TEST_F(JournalTest, RefusesATruncatedJournal) {
  {
    std::unique_ptr<Journal> journal = open();
    ASSERT_NE(journal, nullptr);
    append(*journal, 1, 2000);
  }
  const std::uint64_t size = file_size(path_);
  ASSERT_GT(size, 1U << 20);
  ASSERT_EQ(::truncate(path_.c_str(), static_cast<off_t>(size / 2)), 0);
  const Status refused = open_status(options());
  EXPECT_EQ(refused.code(), StatusCode::corruption);
  EXPECT_THAT(refused.message(), HasSubstr(path_));
}

// Damage in the middle of the file: the cheap check at open does not read there, the
// scan the daemon runs at start does, and so does OpenCheck::quick_check.
TEST_F(JournalTest, DamageInTheMiddleFailsTheScanAndTheQuickCheck) {
  std::uint64_t page_size = 0;
  {
    std::unique_ptr<Journal> journal = open();
    ASSERT_NE(journal, nullptr);
    append(*journal, 1, 2000);
    page_size = journal->stats().page_size;
  }
  const std::uint64_t pages = file_size(path_) / page_size;
  {
    std::fstream file(path_, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(static_cast<std::streamoff>(pages / 2 * page_size));
    const std::string garbage(static_cast<std::size_t>(page_size), '\xAB');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    ASSERT_TRUE(file.good());
  }
  {
    std::unique_ptr<Journal> journal = open();
    ASSERT_NE(journal, nullptr);
    const Status scanned = journal->read(1, [](const StoredEntry&) { return Status::ok(); });
    EXPECT_EQ(scanned.code(), StatusCode::corruption);
    EXPECT_THAT(scanned.message(), HasSubstr(path_));
  }
  JournalOptions thorough = options();
  thorough.check = OpenCheck::quick_check;
  const Status refused = open_status(thorough);
  EXPECT_EQ(refused.code(), StatusCode::corruption);
  EXPECT_THAT(refused.message(), HasSubstr(path_));
}

TEST_F(JournalTest, RefusesToStartOverBesideAWalThatLostItsDatabase) {
  write_file(path_ + "-wal", std::string(4096, 'w'));
  const Status refused = open_status(options());
  EXPECT_EQ(refused.code(), StatusCode::failed_precondition);
  EXPECT_THAT(refused.message(), HasSubstr(path_));
  EXPECT_EQ(file_size(path_), 0U);
}

TEST_F(JournalTest, AMissingDirectoryIsNotFoundNamingThePath) {
  JournalOptions missing = options();
  missing.path = directory_ / "no-such-directory/journal.db";
  const Status refused = open_status(missing);
  EXPECT_EQ(refused.code(), StatusCode::not_found);
  EXPECT_THAT(refused.message(), HasSubstr(missing.path));
}

TEST_F(JournalTest, AnUnwritableDirectoryIsPermissionDeniedNamingThePath) {
  const std::string read_only = directory_ / "read-only";
  ASSERT_EQ(::chmod(directory_.path().c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(read_only.c_str(), 0555), 0);
  JournalOptions unwritable = options();
  unwritable.path = read_only + "/journal.db";
  Status refused;
  {
    UnprivilegedFileAccess unprivileged;
    refused = Journal::open(unwritable).status();
  }
  EXPECT_EQ(refused.code(), StatusCode::permission_denied) << refused.to_string();
  EXPECT_THAT(refused.message(), HasSubstr(unwritable.path));
}

TEST_F(JournalTest, RefusesARelativePathAndAnEmptyGatewayId) {
  JournalOptions relative = options();
  relative.path = "journal.db";
  EXPECT_EQ(open_status(relative).code(), StatusCode::invalid_argument);
  JournalOptions anonymous = options();
  anonymous.gateway_id.clear();
  EXPECT_EQ(open_status(anonymous).code(), StatusCode::invalid_argument);
}

TEST_F(JournalTest, AFullDiskRollsTheBatchBackAndLaterAppendsLeaveNoGap) {
  JournalOptions small = options();
  small.max_page_count = 64;
  std::uint64_t last = 0;
  Status full;
  {
    std::unique_ptr<Journal> journal = open(small);
    ASSERT_NE(journal, nullptr);
    // 16 entries of 700 bytes are about two pages: the limit is reached within ~40.
    for (int attempt = 0; attempt < 100 && full.is_ok(); ++attempt) {
      const Batch batch(last + 1, 16);
      Result<SequenceRange> range = journal->append(batch.views());
      if (range) {
        last = range->last;
      } else {
        full = range.status();
      }
    }
    ASSERT_EQ(full.code(), StatusCode::no_space) << full.to_string();
    EXPECT_THAT(full.message(), HasSubstr(path_));
    ASSERT_GT(last, 0U);
    // Nothing of the failed batch is visible; everything before it is intact.
    EXPECT_EQ(journal->last_sequence(), last);
    expect_entries(*journal, 1, last);
    // Still usable: the same batch fails the same way, a document too big as well.
    const Batch again(last + 1, 16);
    EXPECT_EQ(journal->append(again.views()).status().code(), StatusCode::no_space);
    EXPECT_EQ(
        journal->put_document("inventory", std::vector<std::uint8_t>(1 << 20, 0), last).code(),
        StatusCode::no_space);
    ASSERT_TRUE(journal->set_acknowledged(1).is_ok());
  }
  {
    // The disk was full at the end of the last session as well.
    std::unique_ptr<Journal> journal = open(small);
    ASSERT_NE(journal, nullptr);
    EXPECT_EQ(journal->last_sequence(), last);
  }
  JournalOptions larger = options();
  larger.max_page_count = 4096;
  std::unique_ptr<Journal> journal = open(larger);
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(journal->last_sequence(), last);
  EXPECT_EQ(journal->acknowledged(), 1U);
  append(*journal, last + 1, 16);
  expect_entries(*journal, 1, last + 16);
}

// The WAL a journal leaves behind after many commits: threshold (the passive
// checkpoint), up to twice that (journal_size_limit), plus the frames of one commit.
std::uint64_t wal_bound_bytes(std::uint32_t checkpoint_pages, std::uint64_t page_size) {
  const std::uint64_t frame_bytes = page_size + 24;
  constexpr std::uint64_t kFramesOfOneCommit = 16;
  return 32 + (2 * std::uint64_t{checkpoint_pages} + kFramesOfOneCommit) * frame_bytes;
}

TEST_F(JournalTest, TheWalStaysBoundedOverManyAppends) {
  JournalOptions small_wal = options();
  small_wal.wal_checkpoint_pages = 32;
  std::unique_ptr<Journal> journal = open(small_wal);
  ASSERT_NE(journal, nullptr);
  std::uint64_t largest_wal = 0;
  std::uint64_t next = 1;
  // ~2 frames per commit: 500 commits write ~1000 frames, 30 times the threshold.
  for (int commit = 0; commit < 500; ++commit) {
    append(*journal, next, 8);
    next += 8;
    largest_wal = std::max(largest_wal, journal->stats().wal_file_bytes);
  }
  const JournalStats stats = journal->stats();
  EXPECT_LE(largest_wal, wal_bound_bytes(32, journal->stats().page_size));
  EXPECT_GT(stats.checkpoints, 10U);
  EXPECT_EQ(stats.checkpoints_blocked, 0U);
  EXPECT_EQ(stats.appended_entries, 4000U);
  expect_entries(*journal, 1, 4000);
}

TEST_F(JournalTest, AReaderHoldsTheWalOnlyUntilItFinishes) {
  JournalOptions small_wal = options();
  small_wal.wal_checkpoint_pages = 32;
  std::unique_ptr<Journal> journal = open(small_wal);
  ASSERT_NE(journal, nullptr);
  append(*journal, 1, 8);

  // Another process's reader, in the middle of a read transaction: its snapshot pins
  // every WAL frame written after it began.
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &reader, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(reader, "BEGIN", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_stmt* count = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(reader, "SELECT count(*) FROM entries", -1, &count, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(count, 0), 8);
  sqlite3_finalize(count);

  std::uint64_t next = 9;
  for (int commit = 0; commit < 200; ++commit) {
    append(*journal, next, 8);
    next += 8;
  }
  const JournalStats pinned = journal->stats();
  EXPECT_GT(pinned.wal_file_bytes, wal_bound_bytes(32, journal->stats().page_size));
  EXPECT_GE(pinned.escalated_checkpoints, 1U);
  EXPECT_GE(pinned.checkpoints_blocked, 1U);
  // Waits are rare while the reader stays: each failed escalation doubles the next
  // threshold.
  EXPECT_LE(pinned.checkpoints_blocked, 6U);

  ASSERT_EQ(sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(reader);
  for (int commit = 0; commit < 20; ++commit) {
    append(*journal, next, 8);
    next += 8;
  }
  EXPECT_LE(journal->stats().wal_file_bytes, wal_bound_bytes(32, journal->stats().page_size));
  expect_entries(*journal, 1, next - 1);
}

// A reader as `edgeroute events` opens one, beside the daemon's writer.
JournalOptions read_only_options(const std::string& path) {
  JournalOptions options;
  options.path = path;
  options.read_only = true;
  return options;
}

std::string file_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

TEST_F(JournalTest, AReaderBesideTheWriterSeesWhatTheWriterCommitted) {
  std::unique_ptr<Journal> writer = open();
  ASSERT_NE(writer, nullptr);
  append(*writer, 1, 5);

  std::unique_ptr<Journal> reader = open(read_only_options(path_));
  ASSERT_NE(reader, nullptr);
  EXPECT_TRUE(reader->read_only());
  EXPECT_EQ(reader->gateway_id(), kGateway);
  EXPECT_EQ(reader->last_sequence(), 5U);
  expect_entries(*reader, 1, 5);

  // Appends after the reader opened show in its next read.
  append(*writer, 6, 4);
  append(*writer, 10, 3);
  expect_entries(*reader, 1, 12);
  EXPECT_EQ(reader->last_sequence(), 12U);
  expect_entries(*reader, 9, 12);
  // The writer is not held back by the reader.
  append(*writer, 13, 2);
  expect_entries(*writer, 1, 14);
}

TEST_F(JournalTest, AReaderThatStopsEarlyLearnsTheNewestEntryByRefreshing) {
  std::unique_ptr<Journal> writer = open();
  ASSERT_NE(writer, nullptr);
  append(*writer, 1, 3);
  std::unique_ptr<Journal> reader = open(read_only_options(path_));
  ASSERT_NE(reader, nullptr);
  append(*writer, 4, 7);
  // A reader taking a batch at a time stops its reads early: it has not seen the end.
  int visited = 0;
  const Status stopped = reader->read(1, [&](const StoredEntry&) {
    return ++visited == 2 ? Status(StatusCode::out_of_range, "enough") : Status::ok();
  });
  EXPECT_EQ(stopped.code(), StatusCode::out_of_range);
  EXPECT_EQ(reader->last_sequence(), 3U);
  Result<std::uint64_t> newest = reader->refresh_last_sequence();
  ASSERT_TRUE(newest) << newest.status().to_string();
  EXPECT_EQ(*newest, 10U);
  EXPECT_EQ(reader->last_sequence(), 10U);
  Result<std::uint64_t> writers = writer->refresh_last_sequence();
  ASSERT_TRUE(writers);
  EXPECT_EQ(*writers, 10U);
}

TEST_F(JournalTest, AReadOnlyOpenOfAMissingFileIsNotFoundAndCreatesNothing) {
  const Status refused = open_status(read_only_options(path_));
  EXPECT_EQ(refused.code(), StatusCode::not_found) << refused.to_string();
  EXPECT_THAT(refused.message(), HasSubstr(path_));
  EXPECT_TRUE(std::filesystem::is_empty(directory_.path()));
}

TEST_F(JournalTest, AReadOnlyJournalRefusesWritesAndLeavesTheFileAsItWas) {
  {
    std::unique_ptr<Journal> writer = open();
    ASSERT_NE(writer, nullptr);
    append(*writer, 1, 4);
  }
  const std::string before = file_bytes(path_);
  {
    std::unique_ptr<Journal> reader = open(read_only_options(path_));
    ASSERT_NE(reader, nullptr);
    const Batch batch(5, 1);
    const Result<SequenceRange> appended = reader->append(batch.views());
    EXPECT_EQ(appended.status().code(), StatusCode::failed_precondition);
    EXPECT_THAT(appended.status().message(), HasSubstr(path_));
    const std::vector<std::uint8_t> bytes = {1, 2, 3};
    EXPECT_EQ(reader->put_document("network", bytes, 0).code(), StatusCode::failed_precondition);
    EXPECT_EQ(reader->set_acknowledged(2).code(), StatusCode::failed_precondition);
    expect_entries(*reader, 1, 4);
  }
  EXPECT_EQ(file_bytes(path_), before);
  std::unique_ptr<Journal> writer = open();
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(writer->last_sequence(), 4U);
  EXPECT_EQ(writer->acknowledged(), 0U);
  EXPECT_EQ(writer->document("network")->has_value(), false);
}

TEST_F(JournalTest, AReaderStillRefusesAnotherGatewaysJournalAndOtherDatabases) {
  ASSERT_NE(open(), nullptr);
  JournalOptions other = read_only_options(path_);
  other.gateway_id = "gw-elsewhere";
  const Status refused = open_status(other);
  EXPECT_EQ(refused.code(), StatusCode::failed_precondition);
  EXPECT_THAT(refused.message(), HasSubstr("gw-leipzig-1"));

  const std::string foreign = directory_ / "foreign.db";
  run_sql(foreign, "CREATE TABLE t (x INTEGER)");
  const Status not_a_journal = open_status(read_only_options(foreign));
  EXPECT_EQ(not_a_journal.code(), StatusCode::failed_precondition);
  EXPECT_THAT(not_a_journal.message(), HasSubstr("not an edgeroute journal"));
}

// Threads that each read entries the writer has committed, at random, while it goes on
// appending: every read finds its entry whole, and the pool ends with no more
// connections than reads ever ran at once. (ThreadSanitizer's target for the pool.)
TEST_F(JournalTest, AnEntryReaderServesManyThreadsBesideTheWriter) {
  std::unique_ptr<Journal> writer = open();
  ASSERT_NE(writer, nullptr);
  append(*writer, 1, 20);
  const EntryReader reader(path_, kGateway);
  constexpr int kReaders = 4;
  constexpr int kReadsPerThread = 300;
  // The newest sequence whose append() has returned: committed, so visible to any new
  // read transaction. Release/acquire: a reader that sees the number sees the commit.
  std::atomic<std::uint64_t> committed{20};
  std::atomic<bool> writing{true};
  std::thread appender([&] {
    for (std::uint64_t first = 21; first <= 400; first += 20) {
      const Batch batch(first, 20);
      Result<SequenceRange> range = writer->append(batch.views());
      if (!range) break;
      committed.store(range->last, std::memory_order_release);
    }
    writing.store(false, std::memory_order_release);
  });
  std::vector<std::thread> readers;
  std::atomic<int> wrong{0};
  std::atomic<int> failed{0};
  for (int thread = 0; thread < kReaders; ++thread) {
    readers.emplace_back([&, thread] {
      std::mt19937_64 random(static_cast<std::uint64_t>(thread) + 1);
      const auto read = [&](std::uint64_t sequence,
                            const std::function<Status(const StoredEntry&)>& visit) {
        return reader.read(sequence, visit);
      };
      std::optional<ExpectedEntry> found;
      for (int index = 0; index < kReadsPerThread; ++index) {
        const std::uint64_t newest = committed.load(std::memory_order_acquire);
        const std::uint64_t sequence = 1 + random() % newest;
        if (!read_one(read, sequence, found).is_ok()) {
          failed.fetch_add(1);
        } else if (!found || !same_entry(*found, expected_entry(sequence))) {
          wrong.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& each : readers) each.join();
  appender.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(committed.load(), 400U);
  EXPECT_GE(reader.pooled_connections(), 1U);
  EXPECT_LE(reader.pooled_connections(), static_cast<std::size_t>(kReaders));
}

TEST_F(JournalTest, AnEntryReaderSaysWhatItCouldNotOpenAndTriesAgainNextTime) {
  const EntryReader reader(path_, kGateway);
  const auto visit = [](const StoredEntry&) { return Status::ok(); };
  const Status missing = reader.read(1, visit);
  EXPECT_EQ(missing.code(), StatusCode::not_found) << missing.to_string();
  EXPECT_THAT(missing.message(), HasSubstr(path_));
  EXPECT_EQ(reader.pooled_connections(), 0U);

  std::unique_ptr<Journal> writer = open();
  ASSERT_NE(writer, nullptr);
  append(*writer, 1, 3);
  EXPECT_TRUE(reader.read(2, visit).is_ok());
  const Status beyond = reader.read(4, visit);
  EXPECT_EQ(beyond.code(), StatusCode::not_found);
  EXPECT_THAT(beyond.message(), HasSubstr("no entry 4"));
  EXPECT_EQ(reader.pooled_connections(), 1U);
  // A visitor's verdict is about the entry, not the connection: it stays pooled.
  const Status refused_by_visitor =
      reader.read(1, [](const StoredEntry&) { return Status(StatusCode::corruption, "no"); });
  EXPECT_EQ(refused_by_visitor, Status(StatusCode::corruption, "no"));
  EXPECT_EQ(reader.pooled_connections(), 1U);

  const EntryReader elsewhere(path_, "gw-elsewhere");
  const Status refused = elsewhere.read(1, visit);
  EXPECT_EQ(refused.code(), StatusCode::failed_precondition);
  EXPECT_THAT(refused.message(), HasSubstr(kGateway));
}

}  // namespace
}  // namespace edgeroute::journal
