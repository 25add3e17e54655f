// Fuzzes central's side of a sync connection: the input is the byte stream a gateway
// sends, cut into frames by a FrameReader in chunks of varying size (as the network
// splits it). Every frame is verified as a SyncMessage; a verified JournalBatch is
// rebuilt by JournalBatchBuilder (the copy must verify and carry the same entries) and
// applied to a real central store, whose mark must then be exactly what the batch and
// the mark before allow. Any input must end in messages or a clear refusal; a crash,
// sanitizer report or failed assertion is a bug.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "edgeroute/base/assert.h"
#include "edgeroute/protocol/frame.h"
#include "edgeroute/sync/central_store.h"
#include "edgeroute/sync/messages.h"

namespace {

namespace sync = edgeroute::sync;
namespace journal = edgeroute::journal;

constexpr std::uint32_t kMaxFrameBytes = 64 * 1024;
constexpr const char* kGateway = "fuzz-gateway";

// One store for the whole run, in a directory removed at exit.
sync::CentralStore& store() {
  // Never destroyed: the atexit handler below runs after static destructors would.
  static const std::string* const directory = [] {
    std::string pattern = "/tmp/edgeroute-sync-fuzz-XXXXXX";
    EDGEROUTE_ASSERT(::mkdtemp(pattern.data()) != nullptr, "mkdtemp failed");
    return new std::string(pattern);
  }();
  static const bool cleanup_registered =
      std::atexit([] { std::filesystem::remove_all(*directory); }) == 0;
  (void)cleanup_registered;
  static const std::unique_ptr<sync::CentralStore> opened = [] {
    auto result = sync::open_sqlite_central_store(*directory + "/central.db");
    EDGEROUTE_ASSERT(result.has_value(), "the fuzz store does not open");
    EDGEROUTE_ASSERT((*result)->register_gateway(kGateway, std::string(64, 'a'), 1).is_ok(),
                     "the fuzz gateway does not register");
    return std::move(*result);
  }();
  return *opened;
}

bool same_entry(const journal::StoredEntry& a, const journal::StoredEntry& b) {
  return a.sequence == b.sequence && a.kind == b.kind && a.recorded_at_us == b.recorded_at_us &&
         a.order_id == b.order_id && a.correlation_id == b.correlation_id &&
         std::equal(a.payload.begin(), a.payload.end(), b.payload.begin(), b.payload.end());
}

void check_batch(const sync::fbs::JournalBatch& batch) {
  const std::vector<journal::StoredEntry> entries = sync::batch_entries(batch);
  sync::JournalBatchBuilder builder;
  for (const journal::StoredEntry& entry : entries) builder.add(entry);
  const edgeroute::protocol::Frame copy = builder.finish();
  auto verified = sync::verify_sync_message(copy.payload());
  EDGEROUTE_ASSERT(verified.has_value(), "a rebuilt batch does not verify");
  const auto copied = sync::batch_entries(*(*verified)->body_as_JournalBatch());
  EDGEROUTE_ASSERT(copied.size() == entries.size(), "a rebuilt batch lost entries");
  for (std::size_t index = 0; index < entries.size(); ++index)
    EDGEROUTE_ASSERT(same_entry(entries[index], copied[index]), "a rebuilt entry differs");

  const std::uint64_t before = (*store().gateway(kGateway))->acknowledged;
  auto applied = store().apply_journal_batch(kGateway, entries, 2);
  const std::uint64_t after = (*store().gateway(kGateway))->acknowledged;
  const std::uint64_t first = entries.front().sequence;
  const std::uint64_t last = entries.back().sequence;
  if (!applied.has_value()) {
    EDGEROUTE_ASSERT(after == before, "a refused batch moved the mark");
    return;
  }
  EDGEROUTE_ASSERT(first <= before + 1, "a batch after a gap was applied");
  EDGEROUTE_ASSERT(after == std::max(before, last), "the mark is not where the batch leaves it");
  EDGEROUTE_ASSERT(applied->acknowledged == after, "the reported mark is not the stored one");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  edgeroute::protocol::FrameReader reader(kMaxFrameBytes);
  std::span<const std::uint8_t> input(data, size);
  // The chunk sizes come from the input's first byte, so the fuzzer explores splits too.
  const std::size_t chunk = size == 0 ? 1 : 1 + data[0] % 97;
  while (!input.empty()) {
    const std::size_t taken = reader.append(input.first(std::min(chunk, input.size())));
    input = input.subspan(taken);
    for (;;) {
      auto next = reader.next();
      if (!next) return 0;  // a refused stream is closed
      if (!*next) break;
      auto message = sync::verify_sync_message(**next);
      if (!message.has_value()) continue;  // refused with a message; nothing read
      if (const auto* batch = (*message)->body_as_JournalBatch()) check_batch(*batch);
    }
    if (taken == 0) break;
  }
  return 0;
}
