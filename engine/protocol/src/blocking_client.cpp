#include "edgeroute/protocol/blocking_client.h"

#include <cctype>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>

#include "edgeroute/protocol/verify.h"

namespace edgeroute::protocol {
namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// One socket read: enough for many small responses, a few reads for a large decision.
constexpr std::size_t kReadChunkBytes = 64 * 1024;

// "connection refused", as people write it (Asio's messages are capitalised).
std::string describe(const asio::error_code& error) {
  std::string text = error.message();
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

}  // namespace

// Asio stays out of the header: the connection lives here.
struct BlockingClient::Connection {
  Connection(std::string peer_name, std::uint32_t max_frame_bytes)
      : peer(std::move(peer_name)), socket(io), reader(max_frame_bytes) {}

  // Runs the io_context until `done` or the deadline; on the deadline cancels what is
  // pending and lets its handler run (with operation_aborted, or with a result that
  // raced the cancel). True when it finished before the deadline.
  bool run_until(const bool& done, Clock::time_point deadline) {
    io.restart();
    while (!done && Clock::now() < deadline) {
      io.run_one_until(deadline);
    }
    if (done) return true;
    asio::error_code ignored;
    socket.cancel(ignored);
    resolver.cancel();
    io.restart();
    while (!done) io.run_one();
    return false;
  }

  Status failure(StatusCode code, std::string_view what) {
    return Status(code, fmt::format("{}: {}", peer, what));
  }

  std::string peer;
  asio::io_context io;
  tcp::resolver resolver{io};
  tcp::socket socket;
  FrameReader reader;
};

ReceivedResponse::ReceivedResponse(std::vector<std::uint8_t> payload)
    : payload_(std::move(payload)) {}

const fbs::Response& ReceivedResponse::response() const {
  return *flatbuffers::GetRoot<fbs::Response>(payload_.data());
}

Result<BlockingClient> BlockingClient::connect(std::string_view host, std::uint16_t port,
                                               std::chrono::milliseconds timeout,
                                               std::uint32_t max_frame_bytes) {
  auto connection = std::make_unique<Connection>(fmt::format("{}:{}", host, port), max_frame_bytes);
  const Clock::time_point deadline = Clock::now() + timeout;

  bool resolved = false;
  asio::error_code error;
  tcp::resolver::results_type endpoints;
  connection->resolver.async_resolve(
      std::string(host), std::to_string(port),
      [&](const asio::error_code& result, tcp::resolver::results_type found) {
        error = result;
        endpoints = std::move(found);
        resolved = true;
      });
  if (!connection->run_until(resolved, deadline) && error == asio::error::operation_aborted) {
    return connection->failure(StatusCode::unavailable,
                               fmt::format("name not resolved within {} ms", timeout.count()));
  }
  if (error) {
    return connection->failure(StatusCode::unavailable,
                               fmt::format("cannot resolve: {}", describe(error)));
  }

  bool connected = false;
  asio::async_connect(connection->socket, endpoints,
                      [&](const asio::error_code& result, const tcp::endpoint&) {
                        error = result;
                        connected = true;
                      });
  const bool in_time = connection->run_until(connected, deadline);
  if (!in_time && error == asio::error::operation_aborted) {
    return connection->failure(StatusCode::unavailable,
                               fmt::format("no connection within {} ms", timeout.count()));
  }
  if (error) return connection->failure(StatusCode::unavailable, describe(error));
  // Requests are small and a caller waits for each answer: no Nagle delay.
  connection->socket.set_option(tcp::no_delay(true), error);
  return BlockingClient(std::move(connection));
}

BlockingClient::BlockingClient(std::unique_ptr<Connection> connection)
    : connection_(std::move(connection)) {}
BlockingClient::BlockingClient(BlockingClient&&) noexcept = default;
BlockingClient& BlockingClient::operator=(BlockingClient&&) noexcept = default;
BlockingClient::~BlockingClient() = default;

bool BlockingClient::is_open() const {
  return connection_ && connection_->socket.is_open();
}

void BlockingClient::close() {
  if (!connection_) return;
  asio::error_code ignored;
  connection_->socket.shutdown(tcp::socket::shutdown_both, ignored);
  connection_->socket.close(ignored);
}

const std::string& BlockingClient::peer() const {
  static const std::string none = "(moved-from client)";
  return connection_ ? connection_->peer : none;
}

Status BlockingClient::send(std::span<const std::uint8_t> frame,
                            std::chrono::milliseconds timeout) {
  if (!is_open()) {
    return Status(StatusCode::failed_precondition, fmt::format("{}: not connected", peer()));
  }
  Connection& connection = *connection_;
  bool sent = false;
  asio::error_code error;
  asio::async_write(connection.socket, asio::buffer(frame.data(), frame.size()),
                    [&](const asio::error_code& result, std::size_t) {
                      error = result;
                      sent = true;
                    });
  const bool in_time = connection.run_until(sent, Clock::now() + timeout);
  if (!error) return Status::ok();
  close();  // part of the frame may be on the wire: the stream is no longer framed
  if (!in_time && error == asio::error::operation_aborted) {
    return connection.failure(StatusCode::unavailable,
                              fmt::format("frame not sent within {} ms", timeout.count()));
  }
  return connection.failure(StatusCode::unavailable, fmt::format("send: {}", describe(error)));
}

Result<ReceivedResponse> BlockingClient::receive(std::chrono::milliseconds timeout) {
  if (!is_open()) {
    return Status(StatusCode::failed_precondition, fmt::format("{}: not connected", peer()));
  }
  Connection& connection = *connection_;
  const Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    auto next = connection.reader.next();
    if (!next) {
      close();
      return connection.failure(StatusCode::invalid_argument, next.refusal().message);
    }
    if (*next) {
      const std::span<const std::uint8_t> payload = **next;
      if (auto verified = verify_response(payload); !verified) {
        close();
        return connection.failure(StatusCode::invalid_argument, verified.refusal().message);
      }
      return ReceivedResponse(std::vector<std::uint8_t>(payload.begin(), payload.end()));
    }

    const std::span<std::uint8_t> space = connection.reader.prepare(kReadChunkBytes);
    bool received = false;
    std::size_t received_bytes = 0;
    asio::error_code error;
    connection.socket.async_read_some(asio::buffer(space.data(), space.size()),
                                      [&](const asio::error_code& result, std::size_t bytes) {
                                        error = result;
                                        received_bytes = bytes;
                                        received = true;
                                      });
    const bool in_time = connection.run_until(received, deadline);
    connection.reader.commit(received_bytes);
    if (!error) continue;
    if (!in_time && error == asio::error::operation_aborted) {
      return connection.failure(StatusCode::unavailable,
                                fmt::format("no response within {} ms", timeout.count()));
    }
    close();
    if (error == asio::error::eof) {
      return connection.failure(StatusCode::unavailable, "connection closed by the gateway");
    }
    return connection.failure(StatusCode::unavailable, fmt::format("receive: {}", describe(error)));
  }
}

}  // namespace edgeroute::protocol
