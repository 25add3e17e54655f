// Server: the gateway's TCP ingress. Asio I/O threads accept connections from warehouse
// clients, cut each byte stream into frames, verify every request before anything reads
// it, and hand it to the Gateway; responses come back from whichever thread finished the
// request and are written on the connection's strand, several frames per write when
// they queue up. Many requests may be in flight per connection; each response carries
// its request id (docs/protocol.md).
//
// Refusals. A frame that fails verification is answered with an Error (under its
// request id when that can be read) and the connection stays open. A frame length of 0
// or above the maximum kills the stream: the Error is written, then the connection is
// closed. Nothing a peer sends can make the server allocate more than max_frame_bytes
// per connection for reading.
//
// Thread-safety: start() and stop() from one controlling thread; port() from any.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "edgeroute/base/result.h"
#include "edgeroute/gateway/gateway.h"
#include "edgeroute/protocol/frame.h"

namespace edgeroute::gateway {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the operating system chooses (port() tells which)
  std::uint32_t io_threads = 1;
  std::uint32_t max_frame_bytes = protocol::kDefaultMaxFrameBytes;
};

class Server {
 public:
  // Binds and starts accepting. Errors name the address and port ("127.0.0.1:7400:
  // address already in use").
  static Result<std::unique_ptr<Server>> start(const ServerOptions& options, Gateway& gateway);
  ~Server();  // stops, if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;
  std::size_t open_connections() const;

  // Stops accepting new connections; established ones keep being served (so that the
  // answers of a draining gateway still reach their clients).
  void stop_accepting();
  // Closes every connection once what is queued for it is written (waiting at most
  // `linger`), then stops the I/O threads.
  void stop(std::chrono::milliseconds linger = std::chrono::seconds(2));

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgeroute::gateway
