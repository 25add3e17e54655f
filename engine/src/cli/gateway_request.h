// What the client subcommands (send, status, policy) share: where a running gateway
// listens (--to HOST:PORT) and one request answered by it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "edgeroute/base/result.h"
#include "edgeroute/protocol/blocking_client.h"
#include "edgeroute/protocol/frame.h"

namespace edgeroute::cli {

// How long a client waits to connect, and for each answer.
inline constexpr auto kGatewayTimeout = std::chrono::seconds(10);

struct Endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 7400;
};

// invalid_argument naming --to when `text` is not HOST:PORT.
Result<Endpoint> parse_endpoint(const std::string& text);

// Connects to the gateway at `to`, sends `request` and waits for its answer: the
// response, or why there is none (invalid_argument: `to` is not HOST:PORT; otherwise
// the connection's or the wait's failure).
Result<protocol::ReceivedResponse> ask_gateway(const std::string& to,
                                               const protocol::Frame& request);

}  // namespace edgeroute::cli
