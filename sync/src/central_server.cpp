#include "edgeroute/sync/central_server.h"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <atomic>
#include <deque>
#include <map>
#include <set>
#include <thread>
#include <utility>

#include "edgeroute/ops/log.h"
#include "edgeroute/sync/messages.h"
#include "message_stream.h"

namespace edgeroute::sync {
namespace log = ops::log;
using detail::MessageStream;

namespace {

std::int64_t micros_since_epoch(hal::WallTime at) {
  return std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
}

fbs::RefusalCode refusal_for(const Status& status) {
  switch (status.code()) {
    case StatusCode::failed_precondition: return fbs::RefusalCode::sequence_gap;
    case StatusCode::invalid_argument: return fbs::RefusalCode::malformed;
    case StatusCode::no_space:
    case StatusCode::io_error:
    case StatusCode::unavailable: return fbs::RefusalCode::unavailable;
    default: return fbs::RefusalCode::internal;
  }
}

// What the Hello and Welcome settled.
// A gateway clock further off central's than this is worth an operator's look.
constexpr std::int64_t kClockSkewWarning = 30'000'000;  // µs

struct Greeting {
  std::string gateway_id;
  std::uint64_t gateway_newest = 0;  // the newest entry the gateway reported
  std::uint64_t acknowledged = 0;    // central's mark, sent in the Welcome
};

// One gateway's session after the Welcome. The session's coroutines share it on the I/O
// thread: the reader applies batches and refusals, the writer is the only one to write
// (acknowledgements, deltas, node closures, policy offers, escrow grants, a closing
// Refused), the ticker offers deltas, closures, policies and escrow.
struct GatewaySession {
  GatewaySession(asio::io_context& io, std::shared_ptr<MessageStream> connection, Greeting hello)
      : stream(std::move(connection)),
        greeting(std::move(hello)),
        outbox_bell(io),
        delta_timer(io),
        writer_finished(io),
        caught_up(greeting.acknowledged >= greeting.gateway_newest) {}

  void send(protocol::Frame frame) {
    outbox.push_back(std::move(frame));
    outbox_bell.cancel();
  }
  // Writes what is queued, then the connection closes.
  void finish() {
    closing = true;
    outbox_bell.cancel();
    delta_timer.cancel();
  }
  void end() {
    ended = true;
    stream->close();
    outbox_bell.cancel();
    delta_timer.cancel();
  }

  std::shared_ptr<MessageStream> stream;
  Greeting greeting;
  std::deque<protocol::Frame> outbox;
  asio::steady_timer outbox_bell;
  asio::steady_timer delta_timer;
  asio::steady_timer writer_finished;
  bool closing = false;
  bool ended = false;
  bool writer_done = false;
  // Central holds everything the gateway reported at its Hello: an adjustment that
  // applied a delta before this session is held too, so a pending delta is truly pending.
  bool caught_up = false;
  std::set<std::uint64_t> deltas_sent;         // at most once per session
  std::set<std::uint64_t> closures_sent;       // by closure id: at most once per session
  std::set<std::uint64_t> escrow_grants_sent;  // by grant id: at most once per session
  // Policy versions offered in this session, and when last (steady clock): one still due
  // after policy_reoffer_interval is offered again. Its outcome comes back through the
  // journal, which ends the offers.
  std::map<std::uint64_t, std::chrono::steady_clock::time_point> policies_offered;
};

}  // namespace

struct CentralServer::Impl {
  Impl(const CentralServerOptions& server_options, CentralStore& central_store,
       hal::Clock& wall_clock, asio::ssl::context tls_context)
      : options(server_options),
        store(central_store),
        clock(wall_clock),
        tls(std::move(tls_context)),
        acceptor(io) {}

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(std::shared_ptr<MessageStream> stream, std::uint64_t connection);
  // The Hello, checked against the certificate; the gateway id, or why not.
  asio::awaitable<Result<Greeting>> greet(MessageStream& stream);
  asio::awaitable<Result<Greeting>> refuse_hello(MessageStream& stream,
                                                 const std::string& gateway_id,
                                                 fbs::RefusalCode code, std::string message);
  // Until the connection ends: batches in, acknowledgements and deltas out.
  asio::awaitable<void> run_session(std::shared_ptr<GatewaySession> session);
  asio::awaitable<void> read_messages(GatewaySession& session);
  asio::awaitable<void> write_outbox(std::shared_ptr<GatewaySession> session);
  asio::awaitable<void> offer_periodically(std::shared_ptr<GatewaySession> session);
  // What central has for a caught-up gateway: its pending deltas and node closures, the
  // policy its rollout has for it, then its escrow topped up and the grants pending.
  void offer(GatewaySession& session);
  void offer_deltas(GatewaySession& session);
  void offer_closures(GatewaySession& session);
  void offer_policy(GatewaySession& session);
  void offer_escrow(GatewaySession& session);
  // A hint for the next top-up, not a record: one the store cannot keep is logged, and
  // the next standing replaces it.
  void record_escrow_standing(const std::string& gateway_id, const fbs::EscrowStanding& standing);
  // A part of the gateway's stock report (docs/sync.md, "Stock of record"). Not kept (the
  // store busy or full): logged, and the session is refused (unavailable), so that the
  // gateway's next session sends every part again.
  Status record_stock_report(const std::string& gateway_id, const fbs::StockReport& report);
  void refuse(GatewaySession& session, fbs::RefusalCode code, const std::string& message);
  std::int64_t now_us() const { return micros_since_epoch(clock.wall_now()); }

  CentralServerOptions options;
  CentralStore& store;
  hal::Clock& clock;
  asio::ssl::context tls;
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor;
  std::thread thread;
  std::uint16_t bound_port = 0;
  // I/O thread only: the open session of each gateway, and every open connection (to
  // close them all at stop).
  std::map<std::string, std::weak_ptr<MessageStream>> sessions;
  std::map<std::uint64_t, std::weak_ptr<MessageStream>> connections;
  std::uint64_t next_connection = 1;

  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> sessions_open{0};
  std::atomic<std::uint64_t> batches_applied{0};
  std::atomic<std::uint64_t> entries_applied{0};
  std::atomic<std::uint64_t> duplicates_skipped{0};
  std::atomic<std::uint64_t> refusals{0};
  std::atomic<std::uint64_t> policies_offered{0};
  std::atomic<std::uint64_t> closures_offered{0};
  std::atomic<std::uint64_t> escrow_grants_offered{0};
};

asio::awaitable<void> CentralServer::Impl::accept_loop() {
  for (;;) {
    std::error_code error;
    asio::ip::tcp::socket socket =
        co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, error));
    if (error == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (error) {
      log::warning("central.accept_failed", {{"error", error.message()}});
      continue;
    }
    connections_accepted.fetch_add(1, std::memory_order_relaxed);
    socket.set_option(asio::socket_base::keep_alive(true), error);
    socket.set_option(asio::ip::tcp::no_delay(true), error);
    auto stream = std::make_shared<MessageStream>(std::move(socket), tls);
    const std::uint64_t connection = next_connection++;
    connections[connection] = stream;
    asio::co_spawn(io, serve(stream, connection), asio::detached);
  }
}

asio::awaitable<void> CentralServer::Impl::serve(std::shared_ptr<MessageStream> stream,
                                                 std::uint64_t connection) {
  std::error_code error;
  const std::string peer = [&] {
    const auto endpoint = stream->socket().remote_endpoint(error);
    return error ? std::string("unknown peer")
                 : fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
  }();
  // Until the Hello is in, a silent or slow peer is cut off.
  asio::steady_timer hello_deadline(io, options.hello_timeout);
  hello_deadline.async_wait([stream](const std::error_code& expired) {
    if (!expired) stream->close();
  });
  co_await stream->tls().async_handshake(asio::ssl::stream_base::server,
                                         asio::redirect_error(asio::use_awaitable, error));
  if (error) {
    log::warning("central.handshake_failed",
                 {{"peer", peer}, {"error", detail::describe_connection_error(error)}});
  } else if (Result<Greeting> greeting = co_await greet(*stream); !greeting) {
    refusals.fetch_add(1, std::memory_order_relaxed);
    log::warning("central.refused", {{"peer", peer}, {"error", greeting.status().message()}});
  } else {
    hello_deadline.cancel();
    const std::string gateway_id = greeting->gateway_id;
    if (auto older = sessions[gateway_id].lock()) {
      log::info("central.session_replaced", {{"gateway", gateway_id}});
      older->close();
    }
    sessions[gateway_id] = stream;
    sessions_open.fetch_add(1, std::memory_order_relaxed);
    log::info("central.session_open", {{"gateway", gateway_id}, {"peer", peer}});
    co_await run_session(std::make_shared<GatewaySession>(io, stream, std::move(*greeting)));
    sessions_open.fetch_sub(1, std::memory_order_relaxed);
    if (auto current = sessions[gateway_id].lock(); !current || current == stream)
      sessions.erase(gateway_id);
  }
  hello_deadline.cancel();
  stream->close();
  connections.erase(connection);
}

asio::awaitable<Result<Greeting>> CentralServer::Impl::greet(MessageStream& stream) {
  Result<const fbs::SyncMessage*> message = co_await stream.read();
  if (!message) {
    if (message.status().code() == StatusCode::invalid_argument)
      co_await stream.refuse(fbs::RefusalCode::malformed, message.status().message());
    co_return message.status();
  }
  const fbs::Hello* hello = (*message)->body_as_Hello();
  if (hello == nullptr) {
    const Status out_of_turn(StatusCode::invalid_argument, "expected Hello as the first message");
    co_await stream.refuse(fbs::RefusalCode::malformed, out_of_turn.message());
    co_return out_of_turn;
  }
  const std::string gateway_id = hello->gateway_id()->str();
  if (hello->protocol_version() != kSyncProtocolVersion) {
    co_return co_await refuse_hello(
        stream, gateway_id, fbs::RefusalCode::version_unsupported,
        fmt::format("protocol version {} is not spoken here; central speaks version {}",
                    hello->protocol_version(), kSyncProtocolVersion));
  }
  std::unique_ptr<X509, void (*)(X509*)> certificate(
      SSL_get1_peer_certificate(stream.tls().native_handle()), &X509_free);
  const std::string presented = certificate ? certificate_sha256(certificate.get()) : "";
  Result<std::optional<GatewayRecord>> record = store.gateway(gateway_id);
  if (!record)
    co_return co_await refuse_hello(stream, gateway_id, fbs::RefusalCode::unavailable,
                                    record.status().message());
  if (!*record) {
    co_return co_await refuse_hello(
        stream, gateway_id, fbs::RefusalCode::identity_rejected,
        fmt::format("gateway '{}' is not registered at central", gateway_id));
  }
  if ((*record)->certificate_sha256 != presented) {
    co_return co_await refuse_hello(
        stream, gateway_id, fbs::RefusalCode::identity_rejected,
        fmt::format("the certificate presented (sha256 {}) is not the one registered for "
                    "gateway '{}'",
                    presented.substr(0, 16), gateway_id));
  }
  // Asked after the certificate: only the gateway itself learns that it was retired.
  if ((*record)->retired()) {
    co_return co_await refuse_hello(
        stream, gateway_id, fbs::RefusalCode::identity_rejected,
        fmt::format("gateway '{}' is retired at central; register it again to bring it back",
                    gateway_id));
  }
  const std::int64_t now = now_us();
  // A gateway that sent no clock is taken as agreeing with central's.
  const std::int64_t skew_us = hello->gateway_time_us() == 0 ? 0 : hello->gateway_time_us() - now;
  if (Status contact = store.record_contact(gateway_id, now, hello->newest_sequence(), skew_us);
      !contact.is_ok())
    co_return co_await refuse_hello(stream, gateway_id, fbs::RefusalCode::unavailable,
                                    contact.message());
  if (Status welcome =
          co_await stream.write(welcome_frame((*record)->acknowledged, options.central_id));
      !welcome.is_ok())
    co_return welcome;
  log::info("central.hello", {{"gateway", gateway_id},
                              {"gateway_newest", hello->newest_sequence()},
                              {"acknowledged", (*record)->acknowledged},
                              {"clock_skew_ms", skew_us / 1000}});
  if (skew_us > kClockSkewWarning || skew_us < -kClockSkewWarning) {
    // Routing does not depend on it (sequences order the journal), but the times of the
    // gateway's entries, promises and node health do.
    log::warning("central.clock_skew",
                 {{"gateway", gateway_id}, {"clock_skew_ms", skew_us / 1000}});
  }
  co_return Greeting{gateway_id, hello->newest_sequence(), (*record)->acknowledged};
}

asio::awaitable<Result<Greeting>> CentralServer::Impl::refuse_hello(MessageStream& stream,
                                                                    const std::string& gateway_id,
                                                                    fbs::RefusalCode code,
                                                                    std::string message) {
  co_await stream.refuse(code, message);
  co_return Status(StatusCode::failed_precondition,
                   fmt::format("gateway '{}': {}", gateway_id, message));
}

asio::awaitable<void> CentralServer::Impl::run_session(std::shared_ptr<GatewaySession> session) {
  asio::co_spawn(io, write_outbox(session), [session](std::exception_ptr) {
    session->writer_done = true;
    session->writer_finished.cancel();
  });
  asio::co_spawn(io, offer_periodically(session), asio::detached);
  co_await read_messages(*session);
  // What is queued (a closing Refused, the last acknowledgement) is written first.
  session->finish();
  while (!session->writer_done) {
    session->writer_finished.expires_at(asio::steady_timer::time_point::max());
    std::error_code ignored;
    co_await session->writer_finished.async_wait(
        asio::redirect_error(asio::use_awaitable, ignored));
  }
  session->end();
}

void CentralServer::Impl::refuse(GatewaySession& session, fbs::RefusalCode code,
                                 const std::string& message) {
  refusals.fetch_add(1, std::memory_order_relaxed);
  session.send(refused_frame(code, message));
}

asio::awaitable<void> CentralServer::Impl::read_messages(GatewaySession& session) {
  const std::string& gateway_id = session.greeting.gateway_id;
  while (!session.ended) {
    Result<const fbs::SyncMessage*> message = co_await session.stream->read();
    if (!message) {
      if (message.status().code() == StatusCode::invalid_argument)
        refuse(session, fbs::RefusalCode::malformed, message.status().message());
      log::info("central.session_closed",
                {{"gateway", gateway_id}, {"reason", message.status().message()}});
      co_return;
    }
    if (const fbs::InventoryDeltaRefused* refused = (*message)->body_as_InventoryDeltaRefused()) {
      const std::string why = refused->message() ? refused->message()->str() : "";
      const Status recorded =
          store.refuse_inventory_delta(refused->delta_id(), gateway_id, why, now_us());
      // Not recorded (the store busy or full): offered again in this session, refused again.
      if (!recorded.is_ok()) session.deltas_sent.erase(refused->delta_id());
      log::warning("central.delta_refused",
                   {{"gateway", gateway_id},
                    {"delta", refused->delta_id()},
                    {"reason", why},
                    {"recorded", recorded.is_ok() ? std::string("conflict") : recorded.message()}});
      continue;
    }
    if (const fbs::NodeClosureRefused* refused = (*message)->body_as_NodeClosureRefused()) {
      const std::string why = refused->message() ? refused->message()->str() : "";
      const Status recorded =
          store.refuse_node_closure(refused->closure_id(), gateway_id, why, now_us());
      // Not recorded (the store busy or full): offered again in this session, refused again.
      if (!recorded.is_ok()) session.closures_sent.erase(refused->closure_id());
      log::warning("central.closure_refused",
                   {{"gateway", gateway_id},
                    {"closure", refused->closure_id()},
                    {"reason", why},
                    {"recorded", recorded.is_ok() ? std::string("conflict") : recorded.message()}});
      continue;
    }
    if (const fbs::EscrowGrantRefused* refused = (*message)->body_as_EscrowGrantRefused()) {
      const std::string why = refused->message() ? refused->message()->str() : "";
      const Status recorded =
          store.refuse_escrow_grant(refused->grant_id(), gateway_id, why, now_us());
      // Not recorded (the store busy or full): offered again in this session, refused again.
      if (!recorded.is_ok()) session.escrow_grants_sent.erase(refused->grant_id());
      log::warning("central.escrow_grant_refused",
                   {{"gateway", gateway_id},
                    {"grant", refused->grant_id()},
                    {"reason", why},
                    {"recorded", recorded.is_ok() ? std::string("conflict") : recorded.message()}});
      continue;
    }
    if (const fbs::EscrowStanding* standing = (*message)->body_as_EscrowStanding()) {
      record_escrow_standing(gateway_id, *standing);
      continue;
    }
    if (const fbs::StockReport* report = (*message)->body_as_StockReport()) {
      if (Status kept = record_stock_report(gateway_id, *report); !kept.is_ok()) {
        refuse(session, refusal_for(kept), kept.message());
        co_return;
      }
      continue;
    }
    const fbs::JournalBatch* batch = (*message)->body_as_JournalBatch();
    if (batch == nullptr) {
      refuse(session, fbs::RefusalCode::malformed,
             fmt::format("expected JournalBatch, InventoryDeltaRefused, NodeClosureRefused, "
                         "EscrowGrantRefused, EscrowStanding or StockReport, got {}",
                         fbs::EnumNameBody((*message)->body_type())));
      co_return;
    }
    const std::vector<journal::StoredEntry> entries = batch_entries(*batch);
    Result<AppliedBatch> applied = store.apply_journal_batch(gateway_id, entries, now_us());
    if (!applied) {
      log::warning("central.batch_refused",
                   {{"gateway", gateway_id}, {"error", applied.status().message()}});
      refuse(session, refusal_for(applied.status()), applied.status().message());
      co_return;
    }
    batches_applied.fetch_add(1, std::memory_order_relaxed);
    entries_applied.fetch_add(applied->applied, std::memory_order_relaxed);
    duplicates_skipped.fetch_add(applied->duplicates, std::memory_order_relaxed);
    session.send(acknowledged_frame(applied->acknowledged));
    if (!session.caught_up && applied->acknowledged >= session.greeting.gateway_newest) {
      session.caught_up = true;
      offer(session);
    }
  }
}

asio::awaitable<void> CentralServer::Impl::write_outbox(std::shared_ptr<GatewaySession> session) {
  while (!session->ended) {
    if (session->outbox.empty()) {
      if (session->closing) break;
      session->outbox_bell.expires_at(asio::steady_timer::time_point::max());
      std::error_code woken;
      co_await session->outbox_bell.async_wait(asio::redirect_error(asio::use_awaitable, woken));
      continue;
    }
    const protocol::Frame frame = std::move(session->outbox.front());
    session->outbox.pop_front();
    if (Status written = co_await session->stream->write(frame); !written.is_ok()) {
      session->end();
      break;
    }
  }
}

asio::awaitable<void> CentralServer::Impl::offer_periodically(
    std::shared_ptr<GatewaySession> session) {
  while (!session->ended && !session->closing) {
    offer(*session);
    session->delta_timer.expires_after(options.delta_poll_interval);
    std::error_code cancelled;
    co_await session->delta_timer.async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
  }
}

void CentralServer::Impl::offer(GatewaySession& session) {
  offer_deltas(session);
  offer_closures(session);
  offer_policy(session);
  offer_escrow(session);
}

void CentralServer::Impl::offer_policy(GatewaySession& session) {
  if (!session.caught_up || session.closing || session.ended) return;
  const std::string& gateway_id = session.greeting.gateway_id;
  const std::int64_t now = now_us();
  const auto unreadable = [&](const Status& why) {
    log::warning("central.policies_unreadable",
                 {{"gateway", gateway_id}, {"error", why.message()}});
  };
  // Every tick asks for the version alone; the bundle is read once per version and session.
  Result<std::optional<std::uint64_t>> due = store.policy_version_for(gateway_id, now);
  if (!due) return unreadable(due.status());
  if (!due->has_value()) return;
  // A version still due after an offer was not taken up or refused by the gateway (it was
  // busy, a trial open): offered again now and then, never in a tight loop.
  const auto steady_now = std::chrono::steady_clock::now();
  if (const auto offered = session.policies_offered.find(**due);
      offered != session.policies_offered.end() &&
      steady_now - offered->second < options.policy_reoffer_interval) {
    return;
  }
  Result<std::optional<PolicyOffer>> offer = store.policy_offer_for(gateway_id, now);
  if (!offer) return unreadable(offer.status());
  if (!offer->has_value()) return;
  session.policies_offered[(*offer)->version] = steady_now;
  session.send(policy_offer_frame((*offer)->version, (*offer)->signed_bundle));
  policies_offered.fetch_add(1, std::memory_order_relaxed);
  log::info("central.policy_offered", {{"gateway", gateway_id},
                                       {"version", (*offer)->version},
                                       {"bytes", (*offer)->signed_bundle.size()}});
}

void CentralServer::Impl::offer_deltas(GatewaySession& session) {
  if (!session.caught_up || session.closing || session.ended) return;
  const std::string& gateway_id = session.greeting.gateway_id;
  Result<std::vector<InventoryDelta>> pending =
      store.inventory_deltas(gateway_id, InventoryDelta::State::pending);
  if (!pending) {
    log::warning("central.deltas_unreadable",
                 {{"gateway", gateway_id}, {"error", pending.status().message()}});
    return;
  }
  for (const InventoryDelta& delta : *pending) {
    if (!session.deltas_sent.insert(delta.id).second) continue;
    session.send(inventory_delta_frame(delta.id, delta.node_id, delta.sku_id, delta.units,
                                       delta.reason, delta.correlation_id));
    log::info("central.delta_sent", {{"gateway", gateway_id},
                                     {"delta", delta.id},
                                     {"node", delta.node_id},
                                     {"sku", delta.sku_id},
                                     {"units", delta.units}});
  }
}

// As for deltas: once caught up, the gateway's journal holds the network_change entry of
// every closure it applied before this session, so a pending delivery is truly pending.
void CentralServer::Impl::offer_closures(GatewaySession& session) {
  if (!session.caught_up || session.closing || session.ended) return;
  const std::string& gateway_id = session.greeting.gateway_id;
  Result<std::vector<NodeClosureDelivery>> pending =
      store.node_closure_deliveries(gateway_id, NodeClosureDelivery::State::pending);
  if (!pending) {
    log::warning("central.closures_unreadable",
                 {{"gateway", gateway_id}, {"error", pending.status().message()}});
    return;
  }
  for (const NodeClosureDelivery& closure : *pending) {
    if (!session.closures_sent.insert(closure.closure_id).second) continue;
    session.send(node_closure_frame(closure.closure_id, closure.node_id, closure.reason,
                                    closure.correlation_id, closure.reopen));
    closures_offered.fetch_add(1, std::memory_order_relaxed);
    log::info("central.closure_sent", {{"gateway", gateway_id},
                                       {"closure", closure.closure_id},
                                       {"node", closure.node_id},
                                       {"reopen", closure.reopen}});
  }
}

// As for deltas: once caught up, the gateway's journal holds the escrow_change entry of
// every grant it applied before this session, so a pending grant is truly pending (and
// blocks a second top-up of its lease until the gateway answers it).
void CentralServer::Impl::offer_escrow(GatewaySession& session) {
  if (!session.caught_up || session.closing || session.ended) return;
  const std::string& gateway_id = session.greeting.gateway_id;
  if (Result<std::vector<EscrowGrantRecord>> made = store.top_up_escrow(gateway_id, now_us());
      !made) {
    log::warning("central.escrow_top_up_failed",
                 {{"gateway", gateway_id}, {"error", made.status().message()}});
  }
  // Grants made here and those still pending from before: both go out now.
  Result<std::vector<EscrowGrantRecord>> pending =
      store.escrow_grants(gateway_id, EscrowGrantRecord::State::pending);
  if (!pending) {
    log::warning("central.escrow_unreadable",
                 {{"gateway", gateway_id}, {"error", pending.status().message()}});
    return;
  }
  for (const EscrowGrantRecord& grant : *pending) {
    if (!session.escrow_grants_sent.insert(grant.id).second) continue;
    session.send(
        escrow_grant_frame(EscrowGrant{grant.id, grant.node_id, grant.sku_id, grant.epoch,
                                       grant.units, grant.expires_at_us, grant.correlation_id}));
    escrow_grants_offered.fetch_add(1, std::memory_order_relaxed);
    log::info("central.escrow_granted", {{"gateway", gateway_id},
                                         {"grant", grant.id},
                                         {"node", grant.node_id},
                                         {"sku", grant.sku_id},
                                         {"units", grant.units},
                                         {"epoch", grant.epoch}});
  }
}

void CentralServer::Impl::record_escrow_standing(const std::string& gateway_id,
                                                 const fbs::EscrowStanding& standing) {
  std::vector<EscrowLeaseStanding> reports;
  if (standing.leases() != nullptr) {
    reports.reserve(standing.leases()->size());
    for (const fbs::EscrowLeaseStanding* lease : *standing.leases()) {
      reports.push_back({lease->node_id()->str(), lease->sku_id()->str(), lease->epoch(),
                         lease->unreserved_units(), lease->reserved_units(),
                         lease->expires_at_us()});
    }
  }
  if (Status recorded = store.record_escrow_standing(gateway_id, reports, now_us());
      !recorded.is_ok()) {
    log::warning("central.escrow_standing_unrecorded",
                 {{"gateway", gateway_id}, {"error", recorded.message()}});
  }
}

Status CentralServer::Impl::record_stock_report(const std::string& gateway_id,
                                                const fbs::StockReport& report) {
  std::vector<StockRecordReport> records;
  records.reserve(report.records()->size());
  for (const fbs::StockRecord* record : *report.records()) {
    records.push_back(
        {record->node_id()->str(), record->sku_id()->str(), record->on_hand(), record->reserved()});
  }
  Status recorded =
      store.record_stock_report(gateway_id, report.as_of_sequence(), records, now_us());
  if (!recorded.is_ok()) {
    log::warning("central.stock_report_unrecorded",
                 {{"gateway", gateway_id}, {"error", recorded.message()}});
  }
  return recorded;
}

Result<std::unique_ptr<CentralServer>> CentralServer::start(const CentralServerOptions& options,
                                                            CentralStore& store,
                                                            hal::Clock& clock) {
  Result<asio::ssl::context> tls = make_tls_context(TlsRole::central, options.tls);
  if (!tls) return tls.status();
  auto impl = std::make_unique<Impl>(options, store, clock, std::move(*tls));
  std::error_code error;
  const asio::ip::address address = asio::ip::make_address(options.address, error);
  if (error)
    return Status(StatusCode::invalid_argument,
                  fmt::format("{}: not an IP address ({})", options.address, error.message()));
  const asio::ip::tcp::endpoint endpoint(address, options.port);
  const auto failed = [&](std::string_view step) {
    return Status(StatusCode::unavailable, fmt::format("{}:{}: {}: {}", options.address,
                                                       options.port, step, error.message()));
  };
  if (impl->acceptor.open(endpoint.protocol(), error), error) return failed("open");
  if (impl->acceptor.set_option(asio::socket_base::reuse_address(true), error), error)
    return failed("reuse_address");
  if (impl->acceptor.bind(endpoint, error), error) return failed("bind");
  if (impl->acceptor.listen(asio::socket_base::max_listen_connections, error), error)
    return failed("listen");
  impl->bound_port = impl->acceptor.local_endpoint().port();
  asio::co_spawn(impl->io, impl->accept_loop(), asio::detached);
  Impl* running = impl.get();
  impl->thread = std::thread([running] { running->io.run(); });
  return std::unique_ptr<CentralServer>(new CentralServer(std::move(impl)));
}

CentralServer::CentralServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CentralServer::~CentralServer() {
  stop();
}

std::uint16_t CentralServer::port() const {
  return impl_->bound_port;
}

CentralFigures CentralServer::figures() const {
  CentralFigures figures;
  figures.connections_accepted = impl_->connections_accepted.load(std::memory_order_relaxed);
  figures.sessions_open = impl_->sessions_open.load(std::memory_order_relaxed);
  figures.batches_applied = impl_->batches_applied.load(std::memory_order_relaxed);
  figures.entries_applied = impl_->entries_applied.load(std::memory_order_relaxed);
  figures.duplicates_skipped = impl_->duplicates_skipped.load(std::memory_order_relaxed);
  figures.refusals = impl_->refusals.load(std::memory_order_relaxed);
  figures.policies_offered = impl_->policies_offered.load(std::memory_order_relaxed);
  figures.closures_offered = impl_->closures_offered.load(std::memory_order_relaxed);
  figures.escrow_grants_offered = impl_->escrow_grants_offered.load(std::memory_order_relaxed);
  return figures;
}

void CentralServer::stop() {
  if (!impl_->thread.joinable()) return;
  asio::post(impl_->io, [impl = impl_.get()] {
    std::error_code ignored;
    impl->acceptor.close(ignored);
    for (auto& [id, connection] : impl->connections)
      if (auto stream = connection.lock()) stream->close();
  });
  // Closed sockets end every coroutine; run() returns when none is left.
  impl_->thread.join();
}

}  // namespace edgeroute::sync
