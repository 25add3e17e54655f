// edgeroute_echo_server: the floor under the gateway's end-to-end figures. It speaks
// the gateway's framing and answers every request at once, from its I/O thread, with a
// response of the same type and size the gateway's would have, but does nothing else:
// no verification beyond reading the request id and body type, no routing, no journal,
// no hand-off between threads. The load generator runs unchanged against it (same
// requests, same bytes on the wire, same verification of the answers), so what it
// measures here is what the network stack, the framing and the client cost; the
// gateway's figures divided by these isolate the gateway.
//
// The answer to a RouteOrder is a RouteOrderResult (protocol::build_route_order_result)
// around a real decision. Decision sizes vary with the order (one shipment or three,
// alternatives, a backorder's reason), so instead of one "typical" size the server
// cycles through decisions a gateway actually returned, captured by
// `edgeroute_loadgen --capture-decisions FILE` on the same world: the bytes on the wire
// then follow the gateway's own size distribution, not a guess. Without a capture,
// --reply-bytes gives a synthetic routed decision of about that size (its `detail` is
// padded), for when no gateway is at hand.
//
//   edgeroute_echo_server --port 7410 --decisions decisions.bin
//
// Stops on SIGINT or SIGTERM.
#include <algorithm>
#include <csignal>
#include <deque>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <asio.hpp>

#include "edgeroute/protocol/builders.h"
#include "edgeroute/protocol/frame.h"
#include "edgeroute/protocol/gathered_write.h"
#include "edgeroute/protocol/verify.h"
#include "edgeroute/routing/fbs/decision_generated.h"

namespace edgeroute::bench {
namespace {

using asio::ip::tcp;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kFramesPerWrite = 64;
// A Pong's gateway_time as the gateway writes it (routing::format_utc_instant): the
// same length, so the same bytes on the wire.
constexpr std::string_view kGatewayTime = "2026-11-24T15:04:05Z";

struct Replies {
  std::vector<std::vector<std::uint8_t>> decisions;  // cycled through
  std::string gateway_id;
};

// Decisions captured by the load generator: frames of Decision buffers.
Result<std::vector<std::vector<std::uint8_t>>> load_decisions(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status{StatusCode::not_found, fmt::format("{}: cannot open", path)};
  const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(file),
                                        std::istreambuf_iterator<char>()};
  protocol::FrameReader reader;
  std::span<const std::uint8_t> rest(bytes);
  std::vector<std::vector<std::uint8_t>> decisions;
  for (;;) {
    rest = rest.subspan(reader.append(rest));
    auto next = reader.next();
    if (!next) return Status{StatusCode::invalid_argument, fmt::format("{}: damaged", path)};
    if (!*next) {
      if (rest.empty()) break;
      continue;
    }
    flatbuffers::Verifier verifier((*next)->data(), (*next)->size());
    if (!routing::fbs::VerifyDecisionBuffer(verifier)) {
      return Status{
          StatusCode::invalid_argument,
          fmt::format("{}: decision {} is not a Decision buffer", path, decisions.size() + 1)};
    }
    decisions.emplace_back((*next)->begin(), (*next)->end());
  }
  if (reader.buffered() > 0) {
    return Status{StatusCode::invalid_argument, fmt::format("{}: ends inside a decision", path)};
  }
  if (decisions.empty()) {
    return Status{StatusCode::invalid_argument, fmt::format("{}: holds no decision", path)};
  }
  return decisions;
}

// A routed decision of about `bytes` bytes.
std::vector<std::uint8_t> synthetic_decision(std::size_t bytes) {
  const auto build = [](std::size_t padding) {
    flatbuffers::FlatBufferBuilder builder(512);
    const auto order_id = builder.CreateString("echo-order");
    const auto detail = builder.CreateString(std::string(padding, ' '));
    routing::fbs::DecisionBuilder decision(builder);
    decision.add_order_id(order_id);
    decision.add_detail(detail);
    decision.add_outcome(routing::fbs::Outcome::routed);
    routing::fbs::FinishDecisionBuffer(builder, decision.Finish());
    return std::vector<std::uint8_t>(builder.GetBufferPointer(),
                                     builder.GetBufferPointer() + builder.GetSize());
  };
  const std::size_t bare = build(0).size();
  return build(bytes > bare ? bytes - bare : 0);
}

class EchoConnection : public std::enable_shared_from_this<EchoConnection> {
 public:
  EchoConnection(tcp::socket socket, const Replies& replies)
      : socket_(std::move(socket)), replies_(replies) {}

  void start() { read(); }

 private:
  void read() {
    const std::span<std::uint8_t> space = reader_.prepare(kReadChunk);
    socket_.async_read_some(
        asio::buffer(space.data(), space.size()),
        [self = shared_from_this()](const asio::error_code& error, std::size_t received) {
          if (error) return self->close();
          self->reader_.commit(received);
          for (;;) {
            auto next = self->reader_.next();
            if (!next) return self->close();
            if (!*next) break;
            self->answer(**next);
          }
          self->flush();
          self->read();
        });
  }

  void answer(std::span<const std::uint8_t> payload) {
    const std::optional<std::uint64_t> request_id = protocol::readable_request_id(payload);
    if (!request_id) {
      queue_.push_back(
          protocol::build_error(0, protocol::fbs::ErrorCode::malformed_frame, "unreadable"));
      return;
    }
    // readable_request_id checked the root table; the body type is a field of it.
    const auto* request = flatbuffers::GetRoot<protocol::fbs::Request>(payload.data());
    flatbuffers::Verifier verifier(payload.data(), payload.size());
    const auto* table = reinterpret_cast<const flatbuffers::Table*>(request);
    if (!table->VerifyField<std::uint8_t>(verifier, protocol::fbs::Request::VT_BODY_TYPE, 1)) {
      queue_.push_back(protocol::build_error(*request_id, protocol::fbs::ErrorCode::malformed_frame,
                                             "unreadable body type"));
      return;
    }
    switch (request->body_type()) {
      case protocol::fbs::RequestBody::RouteOrder:
        queue_.push_back(protocol::build_route_order_result(
            *request_id, replies_.decisions[next_decision_++ % replies_.decisions.size()]));
        return;
      case protocol::fbs::RequestBody::Ping:
        queue_.push_back(protocol::build_pong(*request_id, replies_.gateway_id, kGatewayTime));
        return;
      default:
        queue_.push_back(protocol::build_error(*request_id,
                                               protocol::fbs::ErrorCode::unknown_request,
                                               "the echo server answers RouteOrder and Ping"));
        return;
    }
  }

  void flush() {
    if (writing_ || queue_.empty()) return;
    writing_ = true;
    const std::size_t count = protocol::gather_frames(queue_, buffers_, kFramesPerWrite);
    asio::async_write(
        socket_, buffers_,
        [self = shared_from_this(), count](const asio::error_code& error, std::size_t) {
          self->writing_ = false;
          self->queue_.erase(self->queue_.begin(),
                             self->queue_.begin() + static_cast<std::ptrdiff_t>(count));
          if (error) return self->close();
          self->flush();
        });
  }

  void close() {
    asio::error_code ignored;
    socket_.close(ignored);
  }

  tcp::socket socket_;
  const Replies& replies_;
  protocol::FrameReader reader_;
  std::deque<protocol::Frame> queue_;
  std::vector<asio::const_buffer> buffers_;
  bool writing_ = false;
  std::size_t next_decision_ = 0;
};

void accept(tcp::acceptor& acceptor, asio::io_context& io, const Replies& replies) {
  acceptor.async_accept(
      asio::make_strand(io),
      [&acceptor, &io, &replies](const asio::error_code& error, tcp::socket socket) {
        if (error == asio::error::operation_aborted) return;
        if (!error) {
          asio::error_code ignored;
          socket.set_option(tcp::no_delay(true), ignored);
          std::make_shared<EchoConnection>(std::move(socket), replies)->start();
        }
        accept(acceptor, io, replies);
      });
}

}  // namespace
}  // namespace edgeroute::bench

int main(int argc, char** argv) {
  namespace bench = edgeroute::bench;
  CLI::App app("edgeroute_echo_server: the gateway's framing with nothing behind it",
               "edgeroute_echo_server");
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;
  std::string decisions_path;
  std::size_t reply_bytes = 600;
  std::uint32_t io_threads = 1;
  bench::Replies replies;
  app.add_option("--address", address, "Address to listen on")->default_val("127.0.0.1");
  app.add_option("--port", port, "Port (0: the system chooses; the port is printed)")
      ->default_val(0);
  app.add_option("--decisions", decisions_path,
                 "Decisions to answer RouteOrder with (edgeroute_loadgen --capture-decisions)");
  app.add_option("--reply-bytes", reply_bytes,
                 "Without --decisions: the size of the synthetic decision")
      ->default_val(600);
  app.add_option("--gateway-id", replies.gateway_id, "The gateway id a Pong names")
      ->default_val("bench-gateway");
  app.add_option("--io-threads", io_threads, "I/O threads")
      ->default_val(1)
      ->check(CLI::Range(1, 64));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? bench::kExitOk : bench::kExitUsage;
  }

  if (decisions_path.empty()) {
    replies.decisions.push_back(bench::synthetic_decision(reply_bytes));
  } else {
    edgeroute::Result<std::vector<std::vector<std::uint8_t>>> loaded =
        bench::load_decisions(decisions_path);
    if (!loaded) {
      std::cerr << "edgeroute_echo_server: " << loaded.status().message() << '\n';
      return bench::kExitFailure;
    }
    replies.decisions = std::move(loaded).value();
  }

  asio::io_context io;
  asio::error_code error;
  const asio::ip::address listen_address = asio::ip::make_address(address, error);
  if (error) {
    std::cerr << "edgeroute_echo_server: " << address << ": not an IP address\n";
    return bench::kExitUsage;
  }
  bench::tcp::acceptor acceptor(io);
  const bench::tcp::endpoint endpoint(listen_address, port);
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(bench::tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    std::cerr << fmt::format("edgeroute_echo_server: {}:{}: {}\n", address, port, error.message());
    return bench::kExitFailure;
  }
  bench::accept(acceptor, io, replies);
  asio::signal_set stop_signals(io, SIGINT, SIGTERM);
  stop_signals.async_wait([&io](const asio::error_code&, int) { io.stop(); });

  std::size_t decision_bytes = 0;
  for (const auto& decision : replies.decisions) decision_bytes += decision.size();
  std::cout << fmt::format(R"({{"event":"echo.listening","address":"{}","port":{},"decisions":{},)"
                           R"("mean_decision_bytes":{}}})",
                           address, acceptor.local_endpoint().port(), replies.decisions.size(),
                           decision_bytes / replies.decisions.size())
            << std::endl;

  std::vector<std::thread> threads;
  for (std::uint32_t i = 1; i < io_threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (std::thread& thread : threads) thread.join();
  return bench::kExitOk;
}
