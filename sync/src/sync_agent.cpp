#include "edgeroute/sync/sync_agent.h"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/ssl/host_name_verification.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <atomic>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include "edgeroute/journal/journal.h"
#include "edgeroute/ops/log.h"
#include "edgeroute/sync/messages.h"
#include "message_stream.h"

namespace edgeroute::sync {
namespace log = ops::log;
using detail::MessageStream;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {

constexpr SteadyTime kNever = SteadyTime::max();
constexpr std::chrono::seconds kReportInterval{1};
// What an entry adds to a batch beside its payload and ids: its table, the vector slot,
// alignment padding (an upper bound).
constexpr std::size_t kEntryOverheadBytes = 128;
// Records per StockReport frame: ids of up to 256 bytes each keep a frame under 5 MiB,
// below kMaxSyncFrameBytes.
constexpr std::size_t kStockRecordsPerFrame = 8192;

// One connection to central and what is in flight on it. Everything here is touched by
// the agent's I/O thread only.
struct Session {
  Session(asio::io_context& io, asio::ssl::context& tls)
      : resolver(io),
        stream(asio::ip::tcp::socket(io), tls),
        wake(io),
        watchdog(io),
        reader_finished(io) {}

  // The first failure ends the session: the connection closes and every coroutine of the
  // session sees it (each checks `ended` after every wait).
  void fail(Status why) {
    if (ended.is_ok()) ended = std::move(why);
    resolver.cancel();
    stream.close();
    wake.cancel();
    watchdog.cancel();
  }
  // The watchdog closes the connection if nothing arrives by `at`.
  void expect_by(SteadyTime at) {
    deadline = at;
    watchdog.cancel();
  }

  asio::ip::tcp::resolver resolver;
  MessageStream stream;
  asio::steady_timer wake;             // the writer waits here for an ack or the next poll
  asio::steady_timer watchdog;         // sleeps until the deadline
  asio::steady_timer reader_finished;  // cancelled when the ack reader returns
  bool reader_done = false;
  SteadyTime deadline = kNever;
  std::deque<std::uint64_t> in_flight;  // last sequence of each batch sent, oldest first
  std::deque<protocol::Frame> outbox;   // messages other than batches, written first
  std::uint64_t next = 1;               // the next entry to send
  std::uint64_t journal_newest = 0;     // the journal's newest entry when the session opened
  bool acknowledged_in_session = false;
  // The escrow standing last sent in this session, and when the gateway was last asked.
  std::optional<std::vector<EscrowLeaseStanding>> escrow_standing_sent;
  SteadyTime escrow_standing_checked_at{};
  // The stock report: whether central has acknowledged everything the Hello reported (the
  // first walk waits for it), whether a journal turn ran since the last part (parts and
  // batches alternate), the walk under way (the next part's first SKU and index), when
  // the last walk started, and the digest of each part as last sent in this session.
  bool caught_up = false;
  bool stock_turn = true;
  bool stock_walking = false;
  bool stock_walked = false;
  std::uint32_t stock_next_sku = 0;
  std::size_t stock_part = 0;
  SteadyTime stock_walk_started_at{};
  std::vector<std::optional<std::uint64_t>> stock_digests_sent;
  Status ended;
};

Status refused_by_central(const fbs::Refused& refused) {
  const std::string message = refused.message() ? refused.message()->str() : "";
  const StatusCode code = [&] {
    switch (refused.code()) {
      case fbs::RefusalCode::version_unsupported:
      case fbs::RefusalCode::identity_rejected:
      case fbs::RefusalCode::sequence_gap: return StatusCode::failed_precondition;
      case fbs::RefusalCode::unavailable: return StatusCode::unavailable;
      case fbs::RefusalCode::malformed: return StatusCode::invalid_argument;
      case fbs::RefusalCode::internal: break;
    }
    return StatusCode::internal;
  }();
  return Status(code, fmt::format("central refused: {}: {}",
                                  fbs::EnumNameRefusalCode(refused.code()), message));
}

}  // namespace

// A refusal the gateway would give again however often it is asked.
bool refuses_for_good(const Status& why) {
  switch (why.code()) {
    case StatusCode::invalid_argument:
    case StatusCode::not_found:
    case StatusCode::failed_precondition:
    case StatusCode::out_of_range: return true;
    default: return false;
  }
}

struct SyncAgent::Impl : std::enable_shared_from_this<SyncAgent::Impl> {
  Impl(SyncAgentOptions agent_options, hal::Link& wan_link, std::uint64_t acknowledged_mark,
       AcknowledgedSink sink, InventoryDeltaSink delta_sink, PolicyOfferSink policy_sink,
       NodeClosureSink closure_sink, EscrowHooks escrow_hooks, StockHooks stock_hooks,
       std::unique_ptr<journal::Journal> reader, asio::ssl::context tls_context)
      : options(std::move(agent_options)),
        link(wan_link),
        on_acknowledged(std::move(sink)),
        on_inventory_delta(std::move(delta_sink)),
        on_policy_offer(std::move(policy_sink)),
        on_node_closure(std::move(closure_sink)),
        escrow(std::move(escrow_hooks)),
        stock(std::move(stock_hooks)),
        journal(std::move(reader)),
        tls(std::move(tls_context)),
        backoff(io),
        jitter(options.jitter_seed),
        acknowledged(acknowledged_mark),
        published_acknowledged(acknowledged_mark) {}

  // A kind of change central sends for the gateway to apply and journal (a delta, a
  // closure, an escrow grant): what change_done() needs to know of it.
  struct CentralChangeKind {
    const char* noun;                    // "inventory delta"
    const char* id_field;                // the log field of its id
    const char* applied_event;           // logged once the gateway journaled it
    const char* refused_event;           // logged when it goes back to central as a conflict
    std::set<std::string> Impl::*taken;  // correlation ids handed to the gateway
    std::atomic<std::uint64_t> Impl::*applied;
    std::atomic<std::uint64_t> Impl::*refused;
    protocol::Frame (*refusal)(std::uint64_t id, std::string_view message);
  };
  static const CentralChangeKind kDeltaChange;
  static const CentralChangeKind kClosureChange;
  static const CentralChangeKind kEscrowGrantChange;

  asio::awaitable<void> run();
  asio::awaitable<void> run_session(std::shared_ptr<Session> session);
  asio::awaitable<Status> open_session(Session& session);
  asio::awaitable<void> read_acknowledgements(std::shared_ptr<Session> session);
  asio::awaitable<void> watch(std::shared_ptr<Session> session);
  // Reads entries from `from` into `batch` until it is full or the journal ends.
  Status fill(JournalBatchBuilder& batch, std::uint64_t from);
  void acknowledge(std::uint64_t sequence);
  std::int64_t wall_now_us() const {
    const auto now = options.clock != nullptr ? options.clock->wall_now().time_since_epoch()
                                              : std::chrono::system_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  }
  // Hands the mark to the gateway (which persists it: an fsync) at most once a second
  // while acknowledgements stream in, and whenever the session runs idle.
  void report_acknowledged(bool now);
  void on_link(hal::LinkState state);
  // A `done` callback for the gateway, which may call it from any thread, after the
  // session or the agent is gone: `then` runs on the agent's thread, while it runs.
  std::function<void(Status)> answer_on_agent_thread(std::function<void(Impl&, Status)> then);
  void take_delta(const fbs::InventoryDelta& delta);
  void take_policy(const fbs::PolicyOffer& offer);
  void policy_done(std::uint64_t version, const Status& outcome);
  void take_closure(const fbs::NodeClosure& closure);
  void take_escrow_grant(const fbs::EscrowGrant& grant);
  // The gateway answered a change central sent (CentralChangeKind): applied, refused for
  // good (sent back as a conflict), or not now (the session ends; central offers again).
  void change_done(const CentralChangeKind& kind, std::uint64_t id,
                   const std::string& correlation_id, const Status& outcome);
  // The `done` the gateway gets for a change: change_done() on the agent's thread.
  // REQUIRES: `kind` is one of the static kinds (it outlives every answer).
  std::function<void(Status)> change_answer(const CentralChangeKind& kind, std::uint64_t id,
                                            std::string correlation_id);
  // Sends the gateway's escrow standing when it changed, at most once a second.
  void report_escrow_standing(Session& session);
  // Queues the next part of the stock report whose records changed since this session
  // sent it, when a walk of the catalog is due or under way and nothing else waits.
  void report_stock(Session& session);
  void remember_failure(const Status& why);

  SyncAgentOptions options;
  hal::Link& link;
  AcknowledgedSink on_acknowledged;
  InventoryDeltaSink on_inventory_delta;
  PolicyOfferSink on_policy_offer;
  NodeClosureSink on_node_closure;
  EscrowHooks escrow;
  StockHooks stock;
  std::unique_ptr<journal::Journal> journal;
  asio::ssl::context tls;
  asio::io_context io;
  asio::steady_timer backoff;
  std::mt19937_64 jitter;
  std::thread thread;
  hal::LinkSubscription link_subscription;

  // I/O thread only.
  std::shared_ptr<Session> current_session;
  bool stopping = false;
  bool link_down = false;
  std::uint64_t acknowledged = 0;
  std::uint64_t reported = 0;
  SteadyTime reported_at{};
  // Correlation ids of the deltas handed to the gateway by this process and not refused:
  // in flight or applied.
  std::set<std::string> deltas_taken;
  // Policy versions handed to the gateway by this process (or ignored, without a sink)
  // and taken up: in flight or on trial, and its journal tells central.
  std::set<std::uint64_t> policies_taken;
  // Correlation ids of the closures handed to the gateway by this process (or ignored,
  // without a sink) and not answered "not now" or refused: in flight or applied.
  std::set<std::string> closures_taken;
  // Correlation ids of the escrow grants handed to the gateway by this process, as closures.
  std::set<std::string> escrow_grants_taken;

  // Figures, read from any thread.
  // Memory order: stored false with release after the failure that ended the session is
  // recorded (remember_failure), loaded with acquire by figures(): a reader that sees the
  // session ended then reads last_error under its mutex, after the record. Stored true
  // relaxed: a session that opened publishes nothing with it.
  std::atomic<bool> connected{false};
  std::atomic<std::uint64_t> published_acknowledged{0};
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> journal_newest{0};
  std::atomic<std::uint64_t> sessions{0};
  std::atomic<std::uint64_t> failures{0};
  std::atomic<std::uint64_t> entries_sent{0};
  std::atomic<std::uint64_t> deltas_applied{0};
  std::atomic<std::uint64_t> deltas_refused{0};
  std::atomic<std::uint64_t> policies_offered{0};
  std::atomic<std::uint64_t> policies_refused{0};
  std::atomic<std::uint64_t> closures_applied{0};
  std::atomic<std::uint64_t> closures_refused{0};
  std::atomic<std::uint64_t> escrow_grants_applied{0};
  std::atomic<std::uint64_t> escrow_grants_refused{0};
  std::atomic<std::uint64_t> stock_records_reported{0};
  std::atomic<std::uint64_t> stock_reports_completed{0};
  mutable std::mutex last_error_mutex;
  std::string last_error;  // guarded by last_error_mutex
};

const SyncAgent::Impl::CentralChangeKind SyncAgent::Impl::kDeltaChange{
    "inventory delta",     "delta",
    "sync.delta_applied",  "sync.delta_refused",
    &Impl::deltas_taken,   &Impl::deltas_applied,
    &Impl::deltas_refused, &inventory_delta_refused_frame};
const SyncAgent::Impl::CentralChangeKind SyncAgent::Impl::kClosureChange{
    "node closure",          "closure",
    "sync.closure_applied",  "sync.closure_refused",
    &Impl::closures_taken,   &Impl::closures_applied,
    &Impl::closures_refused, &node_closure_refused_frame};
const SyncAgent::Impl::CentralChangeKind SyncAgent::Impl::kEscrowGrantChange{
    "escrow grant",
    "grant",
    "sync.escrow_grant_applied",
    "sync.escrow_grant_refused",
    &Impl::escrow_grants_taken,
    &Impl::escrow_grants_applied,
    &Impl::escrow_grants_refused,
    &escrow_grant_refused_frame};

void SyncAgent::Impl::acknowledge(std::uint64_t sequence) {
  acknowledged = sequence;
  published_acknowledged.store(sequence, std::memory_order_relaxed);
}

void SyncAgent::Impl::report_acknowledged(bool now) {
  if (acknowledged <= reported) return;
  const SteadyTime at = std::chrono::steady_clock::now();
  if (!now && at - reported_at < kReportInterval) return;
  reported = acknowledged;
  reported_at = at;
  if (on_acknowledged) on_acknowledged(acknowledged);
}

// The count goes up after the reason is written, under the same lock: figures() loads
// the count before it takes the lock, so a count that includes this failure comes with
// its reason (or a later one).
void SyncAgent::Impl::remember_failure(const Status& why) {
  std::lock_guard lock(last_error_mutex);
  last_error = why.message();
  failures.fetch_add(1, std::memory_order_relaxed);
}

void SyncAgent::Impl::on_link(hal::LinkState state) {
  link_down = state == hal::LinkState::down;
  if (link_down) {
    if (current_session)
      current_session->fail(Status(StatusCode::unavailable, "the WAN link went down"));
  } else {
    backoff.cancel();  // reconnect now rather than at the end of the backoff
  }
}

std::function<void(Status)> SyncAgent::Impl::answer_on_agent_thread(
    std::function<void(Impl&, Status)> then) {
  std::weak_ptr<Impl> agent = weak_from_this();
  return [agent, then = std::move(then)](Status outcome) {
    if (std::shared_ptr<Impl> alive = agent.lock()) {
      asio::post(alive->io, [agent, then, outcome = std::move(outcome)]() mutable {
        if (std::shared_ptr<Impl> running = agent.lock()) then(*running, std::move(outcome));
      });
    }
  };
}

void SyncAgent::Impl::take_delta(const fbs::InventoryDelta& delta) {
  const std::uint64_t delta_id = delta.delta_id();
  std::string correlation_id = delta.correlation_id()->str();
  if (!deltas_taken.insert(correlation_id).second) return;  // its entry will tell central
  if (!on_inventory_delta) {
    change_done(
        kDeltaChange, delta_id, correlation_id,
        Status(StatusCode::failed_precondition, "this gateway applies no inventory deltas"));
    return;
  }
  CentralInventoryDelta taken;
  taken.delta_id = delta_id;
  taken.node_id = delta.node_id()->str();
  taken.sku_id = delta.sku_id()->str();
  taken.units = delta.units();
  taken.reason = delta.reason() ? delta.reason()->str() : "";
  taken.correlation_id = correlation_id;
  on_inventory_delta(taken, change_answer(kDeltaChange, delta_id, correlation_id));
}

std::function<void(Status)> SyncAgent::Impl::change_answer(const CentralChangeKind& kind,
                                                           std::uint64_t id,
                                                           std::string correlation_id) {
  return answer_on_agent_thread(
      [&kind, id, correlation_id = std::move(correlation_id)](Impl& agent, Status outcome) {
        agent.change_done(kind, id, correlation_id, outcome);
      });
}

// On the agent's thread. What a refusal or a passing failure calls for is done on the
// session open now, which need not be the one the change came in: that one may have ended
// meanwhile, and the current one will not be offered the change again.
void SyncAgent::Impl::change_done(const CentralChangeKind& kind, std::uint64_t id,
                                  const std::string& correlation_id, const Status& outcome) {
  if (outcome.is_ok()) {
    (this->*kind.applied).fetch_add(1, std::memory_order_relaxed);
    log::info(kind.applied_event, {{kind.id_field, id}, {"correlation_id", correlation_id}});
    return;
  }
  (this->*kind.taken).erase(correlation_id);  // central may offer it again
  const bool open = current_session != nullptr && current_session->ended.is_ok();
  if (!refuses_for_good(outcome)) {
    // Ending the session makes central offer the change again in the next one.
    if (open)
      current_session->fail(Status(
          StatusCode::unavailable,
          fmt::format("{} {} could not be applied now: {}", kind.noun, id, outcome.message())));
    return;
  }
  if (!open) return;  // the next session is offered the change, and refuses it again
  current_session->outbox.push_back(kind.refusal(id, outcome.message()));
  current_session->wake.cancel();
  (this->*kind.refused).fetch_add(1, std::memory_order_relaxed);
  log::warning(kind.refused_event, {{kind.id_field, id}, {"reason", outcome.message()}});
}

void SyncAgent::Impl::take_policy(const fbs::PolicyOffer& offer) {
  const std::uint64_t version = offer.version();
  if (!policies_taken.insert(version).second) return;  // its journal entry will tell central
  if (!on_policy_offer) {
    log::info("sync.policy_ignored",
              {{"version", version}, {"reason", "this gateway takes no policies from central"}});
    return;
  }
  policies_offered.fetch_add(1, std::memory_order_relaxed);
  log::info("sync.policy_offered",
            {{"version", version}, {"bytes", offer.signed_bundle()->size()}});
  std::vector<std::uint8_t> bundle(offer.signed_bundle()->begin(), offer.signed_bundle()->end());
  on_policy_offer(version, std::move(bundle),
                  answer_on_agent_thread([version](Impl& agent, Status outcome) {
                    agent.policy_done(version, outcome);
                  }));
}

// On the agent's thread. Central is told nothing here: a policy the gateway took up or
// refused is a journal entry on its way to central.
void SyncAgent::Impl::policy_done(std::uint64_t version, const Status& outcome) {
  if (outcome.is_ok()) {
    log::info("sync.policy_taken_up", {{"version", version}});
    return;
  }
  // Central offers a version again only while the gateway's journal has not answered it,
  // so forgetting a refused one costs nothing, and keeps a bundle that was refused for
  // what someone did to it (a tampered copy claiming its version) from shutting out the
  // genuine one.
  policies_taken.erase(version);
  if (outcome.code() == StatusCode::unavailable) {
    log::warning("sync.policy_postponed", {{"version", version}, {"reason", outcome.message()}});
    return;
  }
  policies_refused.fetch_add(1, std::memory_order_relaxed);
  log::warning(
      "sync.policy_refused",
      {{"version", version}, {"code", to_string(outcome.code())}, {"reason", outcome.message()}});
}

void SyncAgent::Impl::take_closure(const fbs::NodeClosure& closure) {
  const std::uint64_t closure_id = closure.closure_id();
  std::string correlation_id = closure.correlation_id()->str();
  if (!closures_taken.insert(correlation_id).second) return;  // its entry will tell central
  if (!on_node_closure) {
    log::info("sync.closure_ignored", {{"closure", closure_id},
                                       {"node", closure.node_id()->string_view()},
                                       {"reason", "this gateway takes no node closures"}});
    return;
  }
  CentralNodeClosure taken;
  taken.closure_id = closure_id;
  taken.node_id = closure.node_id()->str();
  taken.reason = closure.reason() ? closure.reason()->str() : "";
  taken.reopen = closure.reopen();
  taken.correlation_id = correlation_id;
  log::info("sync.closure_offered", {{"closure", closure_id},
                                     {"node", taken.node_id},
                                     {"change", taken.reopen ? "reopen" : "close"}});
  on_node_closure(taken, change_answer(kClosureChange, closure_id, correlation_id));
}

void SyncAgent::Impl::take_escrow_grant(const fbs::EscrowGrant& grant) {
  const std::uint64_t grant_id = grant.grant_id();
  std::string correlation_id = grant.correlation_id()->str();
  if (!escrow_grants_taken.insert(correlation_id).second) return;  // its entry will tell central
  if (!escrow.on_grant) {
    change_done(kEscrowGrantChange, grant_id, correlation_id,
                Status(StatusCode::failed_precondition, "this gateway takes no escrow grants"));
    return;
  }
  EscrowGrant taken;
  taken.grant_id = grant_id;
  taken.node_id = grant.node_id()->str();
  taken.sku_id = grant.sku_id()->str();
  taken.epoch = grant.epoch();
  taken.units = grant.units();
  taken.expires_at_us = grant.expires_at_us();
  taken.correlation_id = correlation_id;
  log::info("sync.escrow_grant_offered", {{"grant", grant_id},
                                          {"node", taken.node_id},
                                          {"sku", taken.sku_id},
                                          {"units", taken.units},
                                          {"epoch", taken.epoch}});
  escrow.on_grant(taken, change_answer(kEscrowGrantChange, grant_id, correlation_id));
}

void SyncAgent::Impl::report_escrow_standing(Session& session) {
  if (!escrow.standing) return;
  const SteadyTime now = std::chrono::steady_clock::now();
  if (session.escrow_standing_sent && now - session.escrow_standing_checked_at < kReportInterval)
    return;
  session.escrow_standing_checked_at = now;
  std::vector<EscrowLeaseStanding> standing = escrow.standing();
  if (session.escrow_standing_sent == standing) return;
  session.outbox.push_back(escrow_standing_frame(standing));
  session.escrow_standing_sent = std::move(standing);
}

void SyncAgent::Impl::report_stock(Session& session) {
  if (!stock.report) return;
  // Caught up once central holds every entry the Hello reported, however busy the
  // journal is since: the replay after an outage goes first, and then reports flow.
  if (!session.caught_up) session.caught_up = acknowledged >= session.journal_newest;
  if (!session.caught_up || !session.stock_turn || !session.outbox.empty()) return;
  const SteadyTime now = std::chrono::steady_clock::now();
  if (!session.stock_walking) {
    if (session.stock_walked && now - session.stock_walk_started_at < options.stock_report_interval)
      return;
    session.stock_walking = true;
    session.stock_next_sku = 0;
    session.stock_part = 0;
    session.stock_walk_started_at = now;
  }
  // One part per turn of the session's loop, and a journal turn between parts.
  session.stock_turn = false;
  if (session.stock_part >= session.stock_digests_sent.size())
    session.stock_digests_sent.resize(session.stock_part + 1);
  std::optional<std::uint64_t>& sent_digest = session.stock_digests_sent[session.stock_part];
  StockReportPart part =
      stock.report(session.stock_next_sku, options.stock_report_skus_per_part, sent_digest);
  // Frames of at most kStockRecordsPerFrame records, whatever the catalog's shape: the
  // records are independent facts, each with the part's position.
  const std::span<const StockRecordReport> records = part.records;
  for (std::size_t from = 0; from < records.size(); from += kStockRecordsPerFrame) {
    session.outbox.push_back(stock_report_frame(
        part.as_of_sequence,
        records.subspan(from, std::min(kStockRecordsPerFrame, records.size() - from))));
  }
  stock_records_reported.fetch_add(records.size(), std::memory_order_relaxed);
  sent_digest = part.digest;
  session.stock_next_sku = part.next_sku;
  ++session.stock_part;
  if (part.last) {
    session.stock_walking = false;
    session.stock_walked = true;
    stock_reports_completed.fetch_add(1, std::memory_order_relaxed);
  }
}

Status SyncAgent::Impl::fill(JournalBatchBuilder& batch, std::uint64_t from) {
  bool full = false;
  Status too_large;
  const Status read = journal->read(from, [&](const journal::StoredEntry& entry) {
    // An entry that would take the batch past its byte budget waits for the next batch;
    // one that no frame can carry is named, not retried in silence.
    const std::size_t entry_bytes = entry.payload.size() + entry.order_id.size() +
                                    entry.correlation_id.size() + kEntryOverheadBytes;
    if (batch.entries() > 0 && batch.bytes() + entry_bytes > options.batch_max_bytes) {
      full = true;
      return Status(StatusCode::out_of_range, "batch full");
    }
    if (entry_bytes + kEntryOverheadBytes > kMaxSyncFrameBytes) {
      too_large = Status(StatusCode::failed_precondition,
                         fmt::format("journal entry {} is {} bytes, more than a sync frame "
                                     "carries ({} bytes)",
                                     entry.sequence, entry_bytes, kMaxSyncFrameBytes));
      return too_large;
    }
    batch.add(entry);
    if (batch.entries() >= options.batch_max_entries || batch.bytes() >= options.batch_max_bytes) {
      full = true;
      return Status(StatusCode::out_of_range, "batch full");
    }
    return Status::ok();
  });
  if (!too_large.is_ok()) return too_large;
  const std::uint64_t seen = std::max(journal->last_sequence(), batch.last_sequence());
  if (seen > journal_newest.load(std::memory_order_relaxed))
    journal_newest.store(seen, std::memory_order_relaxed);
  if (full || read.is_ok()) return Status::ok();
  return Status(read.code(), fmt::format("reading the journal: {}", read.message()));
}

asio::awaitable<void> SyncAgent::Impl::run() {
  std::chrono::milliseconds ceiling = options.reconnect_min;
  while (!stopping) {
    if (link_down) {
      // on_link() cancels the wait when the link is back.
      backoff.expires_at(kNever);
      std::error_code ignored;
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      continue;
    }
    current_session = std::make_shared<Session>(io, tls);
    co_await run_session(current_session);
    const std::shared_ptr<Session> ended = std::move(current_session);
    // Why the session ended is recorded before it shows as ended, so that a reader of
    // figures() that sees it disconnected also sees the reason (see `connected`).
    if (!stopping) remember_failure(ended->ended);
    connected.store(false, std::memory_order_release);
    if (stopping) break;
    log::warning("sync.session_ended",
                 {{"error", ended->ended.message()}, {"acknowledged", acknowledged}});
    if (ended->acknowledged_in_session) ceiling = options.reconnect_min;
    std::uniform_int_distribution<std::int64_t> pick(options.reconnect_min.count(),
                                                     ceiling.count());
    const std::chrono::milliseconds wait(pick(jitter));
    ceiling = std::min(ceiling * 2, options.reconnect_max);
    backoff.expires_after(wait);
    std::error_code ignored;
    co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

asio::awaitable<void> SyncAgent::Impl::watch(std::shared_ptr<Session> session) {
  while (session->ended.is_ok()) {
    session->watchdog.expires_at(session->deadline);
    std::error_code cancelled;
    co_await session->watchdog.async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
    if (!session->ended.is_ok()) break;
    if (std::chrono::steady_clock::now() >= session->deadline)
      session->fail(Status(
          StatusCode::unavailable,
          fmt::format("central did not answer within {} ms", options.response_timeout.count())));
  }
}

asio::awaitable<Status> SyncAgent::Impl::open_session(Session& session) {
  const std::string& server_name =
      options.server_name.empty() ? options.central_host : options.server_name;
  const std::string where =
      fmt::format("central {}:{}", options.central_host, options.central_port);
  std::error_code error;
  const auto endpoints = co_await session.resolver.async_resolve(
      options.central_host, std::to_string(options.central_port),
      asio::redirect_error(asio::use_awaitable, error));
  if (!session.ended.is_ok()) co_return session.ended;
  if (error)
    co_return Status(StatusCode::unavailable,
                     fmt::format("{}: resolve: {}", where, error.message()));
  // Tries each address in turn, but none after the session was given up (a timeout, a
  // stop): the socket fail() closed would otherwise be opened again for the next one.
  co_await asio::async_connect(
      session.stream.socket(), endpoints,
      [&session](const std::error_code&, const asio::ip::tcp::endpoint&) {
        return session.ended.is_ok();
      },
      asio::redirect_error(asio::use_awaitable, error));
  if (!session.ended.is_ok()) co_return session.ended;
  if (error)
    co_return Status(
        StatusCode::unavailable,
        fmt::format("{}: connect: {}", where, detail::describe_connection_error(error)));
  session.stream.socket().set_option(asio::ip::tcp::no_delay(true), error);
  session.stream.socket().set_option(asio::socket_base::keep_alive(true), error);
  // SNI, and the name central's certificate must carry.
  // SSL_set_tlsext_host_name() spelled out: the macro casts in C style.
  SSL_ctrl(session.stream.tls().native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
           TLSEXT_NAMETYPE_host_name, const_cast<char*>(server_name.c_str()));
  session.stream.tls().set_verify_callback(asio::ssl::host_name_verification(server_name), error);
  co_await session.stream.tls().async_handshake(asio::ssl::stream_base::client,
                                                asio::redirect_error(asio::use_awaitable, error));
  if (!session.ended.is_ok()) co_return session.ended;
  if (error)
    co_return Status(
        StatusCode::unavailable,
        fmt::format("{}: TLS handshake: {}", where, detail::describe_connection_error(error)));
  // The journal's newest entry, for central's view of the lag and to check its mark.
  Result<std::uint64_t> newest = journal->refresh_last_sequence();
  if (!newest)
    co_return Status(newest.status().code(),
                     fmt::format("reading the journal: {}", newest.status().message()));
  session.journal_newest = *newest;
  if (*newest > journal_newest.load(std::memory_order_relaxed))
    journal_newest.store(*newest, std::memory_order_relaxed);
  if (Status hello = co_await session.stream.write(
          hello_frame(options.gateway_id, session.journal_newest, acknowledged, wall_now_us()));
      !hello.is_ok())
    co_return session.ended.is_ok()
        ? Status(hello.code(), fmt::format("{}: {}", where, hello.message()))
        : session.ended;
  Result<const fbs::SyncMessage*> answer = co_await session.stream.read();
  if (!session.ended.is_ok()) co_return session.ended;
  if (!answer)
    co_return Status(answer.status().code(),
                     fmt::format("{}: {}", where, answer.status().message()));
  if (const fbs::Refused* refused = (*answer)->body_as_Refused())
    co_return refused_by_central(*refused);
  const fbs::Welcome* welcome = (*answer)->body_as_Welcome();
  if (welcome == nullptr)
    co_return Status(StatusCode::invalid_argument,
                     fmt::format("{}: expected Welcome, got {}", where,
                                 fbs::EnumNameBody((*answer)->body_type())));
  if (welcome->protocol_version() != kSyncProtocolVersion)
    co_return Status(StatusCode::failed_precondition,
                     fmt::format("{} speaks protocol version {}; this gateway speaks {}", where,
                                 welcome->protocol_version(), kSyncProtocolVersion));
  if (welcome->acknowledged() > session.journal_newest)
    co_return Status(
        StatusCode::failed_precondition,
        fmt::format("central holds entries 1..{} of gateway '{}' but this journal "
                    "ends at {}: it is not the journal central knows (replaced, or "
                    "restored from an older copy)",
                    welcome->acknowledged(), options.gateway_id, session.journal_newest));
  // Central's mark is the truth, also below what this gateway believed (central restored
  // from an older copy): the replay starts after it. The journal keeps its own copy of
  // the mark monotonic; the figures show central's.
  acknowledge(welcome->acknowledged());
  session.next = welcome->acknowledged() + 1;
  log::info("sync.session_open",
            {{"central", where},
             {"central_id", welcome->central_id() ? welcome->central_id()->string_view() : ""},
             {"acknowledged", welcome->acknowledged()},
             {"journal_newest", session.journal_newest}});
  co_return Status::ok();
}

asio::awaitable<void> SyncAgent::Impl::read_acknowledgements(std::shared_ptr<Session> session) {
  while (session->ended.is_ok()) {
    Result<const fbs::SyncMessage*> message = co_await session->stream.read();
    if (!message) {
      session->fail(
          Status(message.status().code(), fmt::format("central: {}", message.status().message())));
      break;
    }
    if (const fbs::Refused* refused = (*message)->body_as_Refused()) {
      session->fail(refused_by_central(*refused));
      break;
    }
    if (const fbs::InventoryDelta* delta = (*message)->body_as_InventoryDelta()) {
      take_delta(*delta);
      continue;
    }
    if (const fbs::PolicyOffer* offer = (*message)->body_as_PolicyOffer()) {
      take_policy(*offer);
      continue;
    }
    if (const fbs::NodeClosure* closure = (*message)->body_as_NodeClosure()) {
      take_closure(*closure);
      continue;
    }
    if (const fbs::EscrowGrant* grant = (*message)->body_as_EscrowGrant()) {
      take_escrow_grant(*grant);
      continue;
    }
    const fbs::Acknowledged* ack = (*message)->body_as_Acknowledged();
    if (ack == nullptr) {
      session->fail(Status(StatusCode::invalid_argument,
                           fmt::format("central sent {} where an Acknowledged was due",
                                       fbs::EnumNameBody((*message)->body_type()))));
      break;
    }
    // Central may acknowledge more than this session sent (batches of an older session of
    // this gateway that it applied late), never less than it said before, never more
    // than the journal holds.
    const std::uint64_t mark = ack->sequence();
    const std::uint64_t newest =
        std::max(session->journal_newest, journal_newest.load(std::memory_order_relaxed));
    if (mark < acknowledged || mark > newest) {
      session->fail(Status(StatusCode::invalid_argument,
                           fmt::format("central acknowledged {}, outside {}..{} (its last mark "
                                       "to this journal's newest entry)",
                                       mark, acknowledged, newest)));
      break;
    }
    while (!session->in_flight.empty() && session->in_flight.front() <= mark)
      session->in_flight.pop_front();
    acknowledge(mark);
    session->next = std::max(session->next, mark + 1);
    report_acknowledged(false);
    session->acknowledged_in_session = true;
    session->expect_by(session->in_flight.empty()
                           ? kNever
                           : std::chrono::steady_clock::now() + options.response_timeout);
    session->wake.cancel();
  }
}

asio::awaitable<void> SyncAgent::Impl::run_session(std::shared_ptr<Session> session) {
  session->expect_by(std::chrono::steady_clock::now() + options.response_timeout);
  asio::co_spawn(io, watch(session), asio::detached);
  if (Status opened = co_await open_session(*session); !opened.is_ok()) {
    session->fail(std::move(opened));
    co_return;
  }
  session->expect_by(kNever);
  connected.store(true, std::memory_order_relaxed);
  sessions.fetch_add(1, std::memory_order_relaxed);
  asio::co_spawn(io, read_acknowledgements(session), [session](std::exception_ptr) {
    session->reader_done = true;
    session->reader_finished.cancel();
    session->wake.cancel();
  });

  JournalBatchBuilder batch;
  while (session->ended.is_ok() && !stopping) {
    std::error_code woken;
    // Also while batches stream: a busy gateway is the one whose leases run low.
    report_escrow_standing(*session);
    report_stock(*session);
    if (!session->outbox.empty()) {
      const protocol::Frame message = std::move(session->outbox.front());
      session->outbox.pop_front();
      if (Status written = co_await session->stream.write(message); !written.is_ok()) {
        session->fail(Status(written.code(), fmt::format("central: {}", written.message())));
        break;
      }
      continue;
    }
    if (session->in_flight.size() >= options.batches_in_flight) {
      session->wake.expires_at(kNever);  // an acknowledgement cancels the wait
      co_await session->wake.async_wait(asio::redirect_error(asio::use_awaitable, woken));
      continue;
    }
    if (Status read = fill(batch, session->next); !read.is_ok()) {
      session->fail(std::move(read));
      break;
    }
    session->stock_turn = true;
    if (batch.entries() == 0) {
      // Caught up: the mark goes to the gateway now rather than at the next report.
      if (session->in_flight.empty()) report_acknowledged(true);
      // A walk of the stock report under way goes on at once: nothing else waits.
      if (session->stock_walking) continue;
      session->wake.expires_after(options.poll_interval);
      co_await session->wake.async_wait(asio::redirect_error(asio::use_awaitable, woken));
      continue;
    }
    const std::uint64_t last = batch.last_sequence();
    const std::size_t count = batch.entries();
    const protocol::Frame frame = batch.finish();
    session->in_flight.push_back(last);
    if (session->in_flight.size() == 1)
      session->expect_by(std::chrono::steady_clock::now() + options.response_timeout);
    if (Status written = co_await session->stream.write(frame); !written.is_ok()) {
      session->fail(Status(written.code(), fmt::format("central: {}", written.message())));
      break;
    }
    session->next = last + 1;
    sent.store(last, std::memory_order_relaxed);
    entries_sent.fetch_add(count, std::memory_order_relaxed);
  }
  if (session->ended.is_ok()) session->fail(Status(StatusCode::unavailable, "stopping"));
  report_acknowledged(true);
  while (!session->reader_done) {
    session->reader_finished.expires_at(kNever);
    std::error_code ignored;
    co_await session->reader_finished.async_wait(
        asio::redirect_error(asio::use_awaitable, ignored));
  }
}

Result<std::unique_ptr<SyncAgent>> SyncAgent::start(SyncAgentOptions options, hal::Link& link,
                                                    std::uint64_t acknowledged,
                                                    AcknowledgedSink on_acknowledged,
                                                    InventoryDeltaSink on_inventory_delta,
                                                    PolicyOfferSink on_policy_offer,
                                                    NodeClosureSink on_node_closure,
                                                    EscrowHooks escrow, StockHooks stock) {
  if (options.batches_in_flight == 0 || options.batch_max_entries == 0 ||
      options.batch_max_bytes == 0 || options.batch_max_bytes > kMaxSyncFrameBytes / 2)
    return Status(StatusCode::invalid_argument,
                  fmt::format("sync batches: {} in flight of at most {} entries and {} bytes; "
                              "each must be at least 1, and the bytes at most {}",
                              options.batches_in_flight, options.batch_max_entries,
                              options.batch_max_bytes, kMaxSyncFrameBytes / 2));
  if (options.stock_report_skus_per_part == 0)
    return Status(StatusCode::invalid_argument,
                  "sync stock reports: a part must cover at least 1 SKU");
  Result<asio::ssl::context> tls = make_tls_context(TlsRole::gateway, options.tls);
  if (!tls) return tls.status();
  journal::JournalOptions journal_options;
  journal_options.path = options.journal_path;
  journal_options.gateway_id = options.gateway_id;
  journal_options.read_only = true;
  Result<std::unique_ptr<journal::Journal>> journal = journal::Journal::open(journal_options);
  if (!journal) return journal.status();
  auto impl = std::make_shared<Impl>(
      std::move(options), link, acknowledged, std::move(on_acknowledged),
      std::move(on_inventory_delta), std::move(on_policy_offer), std::move(on_node_closure),
      std::move(escrow), std::move(stock), std::move(*journal), std::move(*tls));
  Impl* agent = impl.get();
  // Subscribed before the state is read, so that no change between the two is lost.
  agent->link_subscription = link.subscribe([agent](hal::LinkState state) {
    asio::post(agent->io, [agent, state] { agent->on_link(state); });
  });
  agent->link_down = link.state() == hal::LinkState::down;
  asio::co_spawn(agent->io, agent->run(), asio::detached);
  agent->thread = std::thread([agent] { agent->io.run(); });
  return std::unique_ptr<SyncAgent>(new SyncAgent(std::move(impl)));
}

SyncAgent::SyncAgent(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

SyncAgent::~SyncAgent() {
  stop();
}

SyncFigures SyncAgent::figures() const {
  SyncFigures figures;
  figures.connected = impl_->connected.load(std::memory_order_acquire);
  figures.acknowledged = impl_->published_acknowledged.load(std::memory_order_relaxed);
  figures.sent = impl_->sent.load(std::memory_order_relaxed);
  figures.journal_newest = impl_->journal_newest.load(std::memory_order_relaxed);
  figures.sessions = impl_->sessions.load(std::memory_order_relaxed);
  figures.failures = impl_->failures.load(std::memory_order_relaxed);
  figures.entries_sent = impl_->entries_sent.load(std::memory_order_relaxed);
  figures.deltas_applied = impl_->deltas_applied.load(std::memory_order_relaxed);
  figures.deltas_refused = impl_->deltas_refused.load(std::memory_order_relaxed);
  figures.policies_offered = impl_->policies_offered.load(std::memory_order_relaxed);
  figures.policies_refused = impl_->policies_refused.load(std::memory_order_relaxed);
  figures.closures_applied = impl_->closures_applied.load(std::memory_order_relaxed);
  figures.closures_refused = impl_->closures_refused.load(std::memory_order_relaxed);
  figures.escrow_grants_applied = impl_->escrow_grants_applied.load(std::memory_order_relaxed);
  figures.escrow_grants_refused = impl_->escrow_grants_refused.load(std::memory_order_relaxed);
  figures.stock_records_reported = impl_->stock_records_reported.load(std::memory_order_relaxed);
  figures.stock_reports_completed = impl_->stock_reports_completed.load(std::memory_order_relaxed);
  std::lock_guard lock(impl_->last_error_mutex);
  figures.last_error = impl_->last_error;
  return figures;
}

void SyncAgent::stop() {
  if (!impl_->thread.joinable()) return;
  // No listener runs after this returns, so none posts to a stopped io_context.
  impl_->link_subscription.reset();
  asio::post(impl_->io, [impl = impl_.get()] {
    impl->stopping = true;
    impl->backoff.cancel();
    if (impl->current_session)
      impl->current_session->fail(Status(StatusCode::unavailable, "stopping"));
  });
  impl_->thread.join();
}

}  // namespace edgeroute::sync
