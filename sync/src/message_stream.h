// MessageStream: one sync connection as the coroutines on either end use it: a TLS
// stream over TCP, cut into frames (engine/protocol/frame.h) and verified as
// SyncMessages (messages.h) before anyone reads them.
//
// Thread-safety: used from the one thread that runs its io_context. At most one read()
// and one write() may be outstanding at a time (TLS streams allow a read beside a
// write, not two of either).
#pragma once

#include <cstdint>
#include <span>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl.hpp>

#include "edgeroute/base/result.h"
#include "edgeroute/protocol/frame.h"
#include "edgeroute/sync/fbs/sync_generated.h"

namespace edgeroute::sync::detail {

using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

class MessageStream {
 public:
  MessageStream(asio::ip::tcp::socket socket, asio::ssl::context& context);

  TlsStream& tls() { return stream_; }
  asio::ip::tcp::socket& socket() { return stream_.next_layer(); }

  // The next message, verified; valid until the next read(). invalid_argument names what
  // is wrong with a malformed one (the stream is then unusable: the caller answers
  // Refused and closes); unavailable when the connection ends or fails.
  asio::awaitable<Result<const fbs::SyncMessage*>> read();
  // Writes the whole frame; unavailable when the connection fails.
  asio::awaitable<Status> write(const protocol::Frame& frame);
  // Writes Refused, then closes (a failed write is of no consequence: closing anyway).
  asio::awaitable<void> refuse(fbs::RefusalCode code, std::string_view message);

  // Ends the connection at once, without TLS's close_notify: for errors, timeouts and
  // stopping. Outstanding operations complete with an error.
  void close();
  bool is_open() const { return stream_.next_layer().is_open(); }

 private:
  TlsStream stream_;
  protocol::FrameReader reader_;
};

// "the peer closed the connection" for an orderly or truncated end, else what the
// system said.
std::string describe_connection_error(const std::error_code& error);

}  // namespace edgeroute::sync::detail
