// BlockingClient: one TCP connection to a gateway, used the simple way — send frames,
// then receive responses, each call waiting at most its timeout. Requests may be
// pipelined: send several, then receive their responses (matched by request id; the
// gateway may answer out of order). Used by `edgeroute send`, the crash test and the
// tests; the gateway itself is asynchronous and does not use it.
//
// Every error names the peer and what failed ("127.0.0.1:7400: connection refused",
// "127.0.0.1:7400: no response within 500 ms"). A receive that times out leaves the
// connection usable (a later receive picks up where it stopped); a failed send closes
// it, because part of a frame may have gone out.
//
// Thread-safety: one thread at a time per client.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/base/status.h"
#include "edgeroute/protocol/fbs/protocol_generated.h"
#include "edgeroute/protocol/frame.h"

namespace edgeroute::protocol {

// A verified Response that owns its bytes.
class ReceivedResponse {
 public:
  // REQUIRES: `payload` verified with verify_response.
  explicit ReceivedResponse(std::vector<std::uint8_t> payload);

  const fbs::Response& response() const;
  std::uint64_t request_id() const { return response().request_id(); }
  fbs::ResponseBody body_type() const { return response().body_type(); }
  // The payload, 8-byte aligned.
  std::span<const std::uint8_t> payload() const { return payload_; }

 private:
  std::vector<std::uint8_t> payload_;
};

class BlockingClient {
 public:
  // Resolves `host` and connects, within `timeout` for both. unavailable when the
  // peer refuses, cannot be reached or does not answer in time.
  static Result<BlockingClient> connect(std::string_view host, std::uint16_t port,
                                        std::chrono::milliseconds timeout,
                                        std::uint32_t max_frame_bytes = kDefaultMaxFrameBytes);

  BlockingClient(BlockingClient&&) noexcept;
  BlockingClient& operator=(BlockingClient&&) noexcept;
  ~BlockingClient();

  // Writes a whole frame (header + payload: Frame::bytes(), encode_frame()).
  Status send(std::span<const std::uint8_t> frame,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));
  Status send(const Frame& frame, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return send(frame.bytes(), timeout);
  }

  // The next response, verified. unavailable on timeout or when the gateway closed
  // the connection; invalid_argument when what arrived is not a valid Response (the
  // connection is then closed).
  Result<ReceivedResponse> receive(std::chrono::milliseconds timeout);

  bool is_open() const;
  void close();
  // "host:port" as given to connect().
  const std::string& peer() const;

 private:
  struct Connection;
  explicit BlockingClient(std::unique_ptr<Connection> connection);
  std::unique_ptr<Connection> connection_;
};

}  // namespace edgeroute::protocol
