#include "edgeroute/gateway/server.h"

#include <atomic>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <asio.hpp>

#include "edgeroute/protocol/builders.h"
#include "edgeroute/protocol/gathered_write.h"
#include "edgeroute/protocol/verify.h"

namespace edgeroute::gateway {
namespace {

using asio::ip::tcp;

// How much a connection reads from its socket at once.
constexpr std::size_t kReadChunk = 64 * 1024;
// How many queued frames one write gathers.
constexpr std::size_t kFramesPerWrite = 64;
// Answers waiting for a client to read them, beyond which its requests are not read.
constexpr std::size_t kMaxQueuedBytes = 8 * 1024 * 1024;

class Connection;

// What the server and its connections share.
struct Registry {
  std::mutex mutex;
  std::set<std::shared_ptr<Connection>> connections;
  std::atomic<std::size_t> count{0};
};

class Connection final : public ResponseSink, public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, Gateway& gateway, Registry& registry,
             std::uint32_t max_frame_bytes)
      : socket_(std::move(socket)),
        gateway_(gateway),
        registry_(registry),
        reader_(max_frame_bytes) {}

  void start() { read(); }

  // Any thread: the frame joins the write queue on the connection's strand.
  void send(protocol::Frame frame) override {
    asio::post(socket_.get_executor(),
               [self = shared_from_this(), frame = std::move(frame)]() mutable {
                 self->enqueue(std::move(frame));
               });
  }

  // Closes once everything queued is written.
  void close_when_flushed() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (!self->writing_) self->close();
    });
  }

 private:
  void read() {
    if (closing_) return;
    const std::span<std::uint8_t> space = reader_.prepare(kReadChunk);
    socket_.async_read_some(
        asio::buffer(space.data(), space.size()),
        [self = shared_from_this()](const asio::error_code& error, std::size_t received) {
          self->on_read(error, received);
        });
  }

  void on_read(const asio::error_code& error, std::size_t received) {
    if (error) {
      close();
      return;
    }
    reader_.commit(received);
    for (;;) {
      auto next = reader_.next();
      if (!next) {
        // A dead stream (length 0, or above the maximum): answer, then close.
        enqueue(protocol::build_error(next.refusal()));
        closing_ = true;
        return;
      }
      if (!*next) break;
      handle(**next);
    }
    // A client that sends and does not read its answers stops being read from, instead
    // of making the gateway hold every answer it has not taken.
    if (queued_bytes_ > kMaxQueuedBytes) {
      reading_paused_ = true;
      return;
    }
    read();
  }

  void handle(std::span<const std::uint8_t> payload) {
    const protocol::Checked<const protocol::fbs::Request*> request =
        protocol::verify_request(payload);
    if (!request) {
      enqueue(protocol::build_error(request.refusal()));
      return;
    }
    ReceivedRequest received{std::vector<std::uint8_t>(payload.begin(), payload.end())};
    gateway_.handle(std::move(received), shared_from_this());
  }

  void enqueue(protocol::Frame frame) {
    if (closed_) return;
    queued_bytes_ += frame.bytes().size();
    queue_.push_back(std::move(frame));
    if (!writing_) write();
  }

  void write() {
    writing_ = true;
    const std::size_t count = protocol::gather_frames(queue_, buffers_, kFramesPerWrite);
    asio::async_write(
        socket_, buffers_,
        [self = shared_from_this(), count](const asio::error_code& error, std::size_t) {
          self->on_written(error, count);
        });
  }

  void on_written(const asio::error_code& error, std::size_t count) {
    writing_ = false;
    if (error || closed_) {
      queue_.clear();
      close();
      return;
    }
    for (std::size_t i = 0; i < count; ++i) {
      queued_bytes_ -= queue_.front().bytes().size();
      queue_.pop_front();
    }
    if (!queue_.empty()) {
      write();
    } else if (closing_) {
      close();
    }
    if (reading_paused_ && queued_bytes_ <= kMaxQueuedBytes / 2) {
      reading_paused_ = false;
      read();
    }
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    // A write in progress still reads the frames at the front of the queue until its
    // handler runs (closing the socket makes it run with an error): only then may they go.
    if (!writing_) queue_.clear();
    asio::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    std::lock_guard lock(registry_.mutex);
    if (registry_.connections.erase(shared_from_this()) > 0) {
      registry_.count.fetch_sub(1, std::memory_order_relaxed);
    }
  }

  tcp::socket socket_;
  Gateway& gateway_;
  Registry& registry_;
  protocol::FrameReader reader_;
  // On the strand only:
  std::deque<protocol::Frame> queue_;
  std::vector<asio::const_buffer> buffers_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool reading_paused_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

}  // namespace

struct Server::Impl {
  Impl(const ServerOptions& server_options, Gateway& served)
      : options(server_options),
        gateway(served),
        acceptor_strand(asio::make_strand(io_context)),
        acceptor(acceptor_strand),
        retry_timer(acceptor_strand) {}

  void accept() {
    acceptor.async_accept(asio::make_strand(io_context),
                          [this](const asio::error_code& error, tcp::socket socket) {
                            if (error == asio::error::operation_aborted) return;
                            if (error) {
                              // Out of descriptors, say: try again a little later rather
                              // than spin on the same error.
                              retry_timer.expires_after(std::chrono::milliseconds(100));
                              retry_timer.async_wait([this](const asio::error_code& waited) {
                                if (!waited && acceptor.is_open()) accept();
                              });
                              return;
                            }
                            asio::error_code ignored;
                            socket.set_option(tcp::no_delay(true), ignored);
                            auto connection = std::make_shared<Connection>(
                                std::move(socket), gateway, registry, options.max_frame_bytes);
                            {
                              std::lock_guard lock(registry.mutex);
                              registry.connections.insert(connection);
                              registry.count.fetch_add(1, std::memory_order_relaxed);
                            }
                            connection->start();
                            accept();
                          });
  }

  ServerOptions options;
  Gateway& gateway;
  asio::io_context io_context;
  asio::executor_work_guard<asio::io_context::executor_type> work{io_context.get_executor()};
  asio::strand<asio::io_context::executor_type> acceptor_strand;
  tcp::acceptor acceptor;  // and retry_timer: used on acceptor_strand only
  asio::steady_timer retry_timer;
  Registry registry;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  bool stopped = false;
};

Result<std::unique_ptr<Server>> Server::start(const ServerOptions& options, Gateway& gateway) {
  auto impl = std::make_unique<Impl>(options, gateway);
  const std::string where = fmt::format("{}:{}", options.address, options.port);
  asio::error_code error;
  const asio::ip::address address = asio::ip::make_address(options.address, error);
  if (error) {
    return Status{StatusCode::invalid_argument,
                  fmt::format("{}: not an IP address: {}", where, error.message())};
  }
  const tcp::endpoint endpoint(address, options.port);
  const auto fail = [&](std::string_view step) {
    return Status{StatusCode::unavailable, fmt::format("{}: {}: {}", where, step, error.message())};
  };
  impl->acceptor.open(endpoint.protocol(), error);
  if (error) return fail("open");
  impl->acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (error) return fail("set option");
  impl->acceptor.bind(endpoint, error);
  if (error) return fail("bind");
  impl->acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) return fail("listen");
  impl->port = impl->acceptor.local_endpoint().port();
  impl->accept();
  for (std::uint32_t i = 0; i < std::max<std::uint32_t>(1, options.io_threads); ++i) {
    impl->threads.emplace_back([io_context = &impl->io_context] { io_context->run(); });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  stop(std::chrono::milliseconds(0));
}

std::uint16_t Server::port() const {
  return impl_->port;
}

std::size_t Server::open_connections() const {
  return impl_->registry.count.load(std::memory_order_relaxed);
}

void Server::stop_accepting() {
  asio::post(impl_->acceptor_strand, [impl = impl_.get()] {
    asio::error_code ignored;
    impl->acceptor.close(ignored);
    impl->retry_timer.cancel();
  });
}

void Server::stop(std::chrono::milliseconds linger) {
  if (impl_->stopped) return;
  impl_->stopped = true;
  stop_accepting();
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(impl_->registry.mutex);
    open.assign(impl_->registry.connections.begin(), impl_->registry.connections.end());
  }
  for (const auto& connection : open) connection->close_when_flushed();
  open.clear();
  const auto deadline = std::chrono::steady_clock::now() + linger;
  while (open_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  impl_->work.reset();
  impl_->io_context.stop();
  for (std::thread& thread : impl_->threads) thread.join();
  impl_->threads.clear();
  std::lock_guard lock(impl_->registry.mutex);
  impl_->registry.connections.clear();
}

}  // namespace edgeroute::gateway
