// CentralServer: the central control plane's sync endpoint, which gateways dial. Each
// connection is mutually authenticated TLS (tls.h); the gateway's Hello must name the
// gateway its certificate is registered for, and speak this protocol version. Then the
// gateway streams its journal in batches and the server applies each to the store,
// exactly once (central_store.h), and acknowledges its new high-water mark.
//
// Inventory deltas. Once central holds everything a gateway reported in its Hello, the
// session sends the gateway's pending deltas (central_store.h), each at most once per
// session, and looks for new ones every delta_poll_interval. The gateway's journal entry
// that applies one marks it applied; an InventoryDeltaRefused makes it a conflict.
//
// Node closures. On the same occasions the session sends the closures pending for the
// gateway (CentralStore::node_closure_deliveries), each at most once per session. The
// gateway's network_change entry under the delivery's correlation id marks it applied; a
// NodeClosureRefused makes it a conflict (logged as central.closure_refused).
//
// Policies. On the same occasions the session asks the store which policy the rollout
// has for the gateway (CentralStore::policy_offer_for: the newest pushed, wave by wave)
// and sends it as a PolicyOffer, again after policy_reoffer_interval while the gateway
// has answered nothing (it was busy, or another policy was on trial). The gateway's
// answer is a policy_change entry of its journal, recorded when its batch is applied.
//
// Escrow. On the same occasions the session tops the gateway up to its escrow quotas
// (CentralStore::top_up_escrow: the units leave what central can lease in the
// transaction that records the grant) and sends every pending grant of the gateway as an
// EscrowGrant, each at most once per session (central.escrow_granted). The gateway's
// escrow_change entry under the grant's correlation id marks it applied; an
// EscrowGrantRefused gives its units back and makes it a conflict
// (central.escrow_grant_refused). An EscrowStanding is recorded on the leases: what the
// next top-up goes by.
//
// One gateway, one session: a gateway that connects again (after a crash, or a link
// that died without either side noticing) replaces its older connection, which is
// closed, so two sessions of one gateway never interleave batches.
//
// Refusals say what was wrong and end the connection: version_unsupported,
// identity_rejected (unknown id, or a certificate not registered for it), malformed,
// sequence_gap, unavailable (the store could not keep the batch: the gateway retries).
//
// Threading: one I/O thread runs every connection and the store's transactions (a
// fleet of tens of gateways; a large fleet gives the store a pool of its own).
// start() and stop() from one controlling thread; port() and figures() from any.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "edgeroute/base/result.h"
#include "edgeroute/hal/clock.h"
#include "edgeroute/sync/central_store.h"
#include "edgeroute/sync/tls.h"

namespace edgeroute::sync {

struct CentralServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the operating system chooses (port() tells which)
  TlsFiles tls;
  // Central's name for itself, sent in every Welcome.
  std::string central_id = "central";
  // A connection that has not finished its TLS handshake and Hello by then is closed.
  std::chrono::milliseconds hello_timeout{10'000};
  // How often an open session looks for inventory deltas and node closures added since it
  // opened, for a policy its gateway should now be offered (pushed since, or its wave
  // opened), and tops its gateway's escrow up.
  std::chrono::milliseconds delta_poll_interval{500};
  // How long a session waits before offering a policy version again that its gateway
  // has not answered in the journal.
  std::chrono::milliseconds policy_reoffer_interval{30'000};
};

struct CentralFigures {
  std::uint64_t connections_accepted = 0;
  std::uint64_t sessions_open = 0;
  std::uint64_t batches_applied = 0;
  std::uint64_t entries_applied = 0;
  std::uint64_t duplicates_skipped = 0;
  std::uint64_t refusals = 0;
  std::uint64_t policies_offered = 0;       // PolicyOffers sent, over all sessions
  std::uint64_t closures_offered = 0;       // NodeClosures sent, over all sessions
  std::uint64_t escrow_grants_offered = 0;  // EscrowGrants sent, over all sessions
};

class CentralServer {
 public:
  // Binds and starts accepting. Errors name the address and port, or the TLS file.
  static Result<std::unique_ptr<CentralServer>> start(const CentralServerOptions& options,
                                                      CentralStore& store, hal::Clock& clock);
  ~CentralServer();  // stops, if still running
  CentralServer(const CentralServer&) = delete;
  CentralServer& operator=(const CentralServer&) = delete;

  std::uint16_t port() const;
  CentralFigures figures() const;
  // Closes every connection and the listener, then joins the I/O thread. A batch being
  // applied is committed or rolled back whole first (the store's transaction).
  void stop();

 private:
  struct Impl;
  explicit CentralServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgeroute::sync
