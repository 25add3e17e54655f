#include "cli/gateway_request.h"

#include <stdexcept>

#include <fmt/format.h>

namespace edgeroute::cli {

Result<Endpoint> parse_endpoint(const std::string& text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return Status{StatusCode::invalid_argument, fmt::format("--to {}: expected HOST:PORT", text)};
  }
  Endpoint endpoint;
  endpoint.host = text.substr(0, colon);
  try {
    const int port = std::stoi(text.substr(colon + 1));
    if (port <= 0 || port > 65535) throw std::out_of_range("port");
    endpoint.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    return Status{StatusCode::invalid_argument, fmt::format("--to {}: not a TCP port", text)};
  }
  return endpoint;
}

Result<protocol::ReceivedResponse> ask_gateway(const std::string& to,
                                               const protocol::Frame& request) {
  const Result<Endpoint> endpoint = parse_endpoint(to);
  if (!endpoint) return endpoint.status();
  Result<protocol::BlockingClient> client =
      protocol::BlockingClient::connect(endpoint->host, endpoint->port, kGatewayTimeout);
  if (!client) return client.status();
  if (Status sent = client->send(request); !sent.is_ok()) return sent;
  return client->receive(kGatewayTimeout);
}

}  // namespace edgeroute::cli
