#include "load_generator.h"

#include <sys/prctl.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <asio.hpp>

#include "edgeroute/demo/default_world.h"
#include "edgeroute/demo/order_generator.h"
#include "edgeroute/protocol/builders.h"
#include "edgeroute/protocol/frame.h"
#include "edgeroute/protocol/gathered_write.h"
#include "edgeroute/protocol/verify.h"
#include "edgeroute/routing/fbs/decision_generated.h"

namespace edgeroute::bench {
namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Stands in every pooled order's id for the connection's request number: ten digits,
// as many as a uint64 request number needs for any run this tool makes.
constexpr std::string_view kIdPlaceholder = "XXXXXXXXXX";
constexpr std::uint64_t kIdNumberLimit = 10'000'000'000;
// One socket read: many small answers at once.
constexpr std::size_t kReadChunk = 64 * 1024;
// How many queued requests one write gathers.
constexpr std::size_t kFramesPerWrite = 64;

Clock::duration to_clock(std::chrono::duration<double> seconds) {
  return std::chrono::duration_cast<Clock::duration>(seconds);
}

// An order of the pool and where its id's placeholder sits in its bytes.
struct PooledOrder {
  std::vector<std::uint8_t> bytes;
  std::size_t placeholder_at = 0;
};

Result<std::vector<PooledOrder>> make_order_pool(std::span<const std::string> skus,
                                                 const LoadOptions& options,
                                                 std::uint32_t connection) {
  demo::DemandOptions demand;
  demand.seed = options.seed + connection;
  demand.order_count = options.distinct_orders;
  // Orders placed over the last hour, as a gateway sees them: its clock is the wall
  // clock, and the router plans from each order's creation time.
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  demand.span_seconds = 3600;
  demand.first_order_at = now - demand.span_seconds;
  demand.id_prefix = fmt::format("lg{}-c{}-{}", options.run_id, connection, kIdPlaceholder);
  demo::OrderGenerator generator(skus, demand);
  std::vector<PooledOrder> pool;
  pool.reserve(options.distinct_orders);
  while (!generator.done()) {
    PooledOrder order;
    order.bytes = generator.next().bytes;
    const auto found = std::search(order.bytes.begin(), order.bytes.end(), kIdPlaceholder.begin(),
                                   kIdPlaceholder.end());
    const bool unique = found != order.bytes.end() &&
                        std::search(found + 1, order.bytes.end(), kIdPlaceholder.begin(),
                                    kIdPlaceholder.end()) == order.bytes.end();
    if (!unique) {
      return Status{StatusCode::internal,
                    "an order's id placeholder is not found exactly once in its bytes"};
    }
    order.placeholder_at = static_cast<std::size_t>(found - order.bytes.begin());
    pool.push_back(std::move(order));
  }
  return pool;
}

// What every connection of a run shares: the timeline, read-only once started, and the
// count of connections still at work.
struct Timeline {
  Clock::time_point start;
  Clock::time_point measure_from;  // end of the warm-up
  Clock::time_point stop_sending;  // end of the measured window
};

class Connection {
 public:
  Connection(asio::io_context& io, const LoadOptions& options, std::uint32_t index,
             std::vector<PooledOrder> pool, std::function<void()> on_finished)
      : options_(options),
        index_(index),
        strand_(asio::make_strand(io)),
        socket_(strand_),
        timer_(strand_),
        pool_(std::move(pool)),
        on_finished_(std::move(on_finished)) {}

  Status connect(const tcp::endpoint& endpoint) {
    asio::error_code error;
    socket_.connect(endpoint, error);
    if (error) {
      return Status{StatusCode::unavailable,
                    fmt::format("{}:{}: {}", options_.host, options_.port, error.message())};
    }
    socket_.set_option(tcp::no_delay(true), error);
    return Status::ok();
  }

  void start(const Timeline& timeline) {
    asio::post(strand_, [this, timeline] {
      timeline_ = timeline;
      read();
      if (options_.mode == LoopMode::closed) {
        timer_.expires_at(timeline_.start);
        timer_.async_wait([this](const asio::error_code& error) {
          if (!error) top_up();
        });
      } else {
        // Interleaved schedules: connection k starts k/C of an interval after the first.
        interval_ns_ = 1e9 * static_cast<double>(options_.connections) / options_.rate;
        offset_ns_ = interval_ns_ * index_ / options_.connections;
        schedule_next();
      }
    });
  }

  // Gives up on answers still missing.
  void abandon() {
    asio::post(strand_, [this] { finish(); });
  }

  // After the I/O threads are joined.
  LoadResult& result() { return result_; }
  std::vector<std::uint8_t>& captured() { return captured_; }

 private:
  struct Pending {
    Clock::time_point intended;
    bool measured = false;
    bool answered = false;
  };

  // ---------------------------------------------------------------- sending

  Clock::time_point intended(std::uint64_t slot) const {
    const double at_ns = offset_ns_ + interval_ns_ * static_cast<double>(slot);
    return timeline_.start + std::chrono::nanoseconds(static_cast<std::int64_t>(at_ns));
  }

  // Open loop: writes every request whose time has come, then sleeps until the next.
  void schedule_next() {
    if (finished_) return;
    const Clock::time_point now = Clock::now();
    Clock::time_point next = intended(slot_);
    while (next <= now && next < timeline_.stop_sending) {
      send_one(next, now);
      next = intended(++slot_);
    }
    flush();
    if (next >= timeline_.stop_sending) {
      sending_done_ = true;
      finish_if_idle();
      return;
    }
    timer_.expires_at(next);
    timer_.async_wait([this](const asio::error_code& error) {
      if (!error) schedule_next();
    });
  }

  // Closed loop: back to `in_flight` requests outstanding.
  void top_up() {
    if (finished_ || sending_done_) return;
    const Clock::time_point now = Clock::now();
    if (now >= timeline_.stop_sending) {
      sending_done_ = true;
      finish_if_idle();
      return;
    }
    while (outstanding_ < options_.in_flight) send_one(now, now);
    flush();
  }

  void send_one(Clock::time_point intended_at, Clock::time_point now) {
    const std::uint64_t request_id = next_request_id_++;
    const bool measured = intended_at >= timeline_.measure_from;
    pending_.push_back({intended_at, measured, false});
    ++outstanding_;
    if (measured) {
      ++result_.sent;
      result_.send_lag.record(now - intended_at);
    }
    if (options_.request == RequestKind::ping) {
      queue_.push_back(protocol::build_ping(request_id));
      return;
    }
    PooledOrder& order = pool_[static_cast<std::size_t>((request_id - 1) % pool_.size())];
    const std::string number = fmt::format("{:010}", request_id % kIdNumberLimit);
    std::copy(number.begin(), number.end(),
              order.bytes.begin() + static_cast<std::ptrdiff_t>(order.placeholder_at));
    queue_.push_back(protocol::build_route_order(request_id, order.bytes));
  }

  void flush() {
    if (writing_ || queue_.empty() || finished_) return;
    writing_ = true;
    const std::size_t count = protocol::gather_frames(queue_, buffers_, kFramesPerWrite);
    asio::async_write(socket_, buffers_, [this, count](const asio::error_code& error, std::size_t) {
      writing_ = false;
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(count));
      if (error) {
        lost();
        return;
      }
      flush();
    });
  }

  // ---------------------------------------------------------------- receiving

  void read() {
    if (finished_) return;
    const std::span<std::uint8_t> space = reader_.prepare(kReadChunk);
    socket_.async_read_some(asio::buffer(space.data(), space.size()),
                            [this](const asio::error_code& error, std::size_t received) {
                              if (error) {
                                lost();
                                return;
                              }
                              reader_.commit(received);
                              on_frames();
                            });
  }

  void on_frames() {
    for (;;) {
      auto next = reader_.next();
      if (!next) {
        ++result_.errors["malformed_response"];
        lost();
        return;
      }
      if (!*next) break;
      handle(**next);
    }
    if (options_.mode == LoopMode::closed) top_up();
    finish_if_idle();
    read();
  }

  void handle(std::span<const std::uint8_t> payload) {
    const Clock::time_point now = Clock::now();
    const std::optional<std::uint64_t> request_id = protocol::readable_request_id(payload);
    if (!request_id || *request_id < first_pending_id_ || *request_id >= next_request_id_) {
      ++result_.errors["unexpected_response"];
      return;
    }
    Pending& pending = pending_[static_cast<std::size_t>(*request_id - first_pending_id_)];
    if (pending.answered) {
      ++result_.errors["unexpected_response"];
      return;
    }
    pending.answered = true;
    --outstanding_;
    const protocol::Checked<const protocol::fbs::Response*> response =
        protocol::verify_response(payload);
    if (pending.measured) record(pending, response, now);
    if (response && captured_count_ < options_.capture_decisions &&
        !options_.capture_decisions_path.empty()) {
      capture(**response);
    }
    while (!pending_.empty() && pending_.front().answered) {
      pending_.pop_front();
      ++first_pending_id_;
    }
  }

  void record(const Pending& pending,
              const protocol::Checked<const protocol::fbs::Response*>& response,
              Clock::time_point now) {
    ++result_.answered;
    if (!response) {
      ++result_.errors["malformed_response"];
      return;
    }
    const protocol::fbs::Response& message = **response;
    if (const auto* error = message.body_as_Error()) {
      ++result_.errors[protocol::fbs::EnumNameErrorCode(error->code())];
      return;
    }
    if (const auto* routed = message.body_as_RouteOrderResult()) {
      ++result_.outcomes[routing::fbs::EnumNameOutcome(routed->decision_nested_root()->outcome())];
    } else if (message.body_type() != protocol::fbs::ResponseBody::Pong) {
      ++result_.errors[fmt::format("unexpected_{}",
                                   protocol::fbs::EnumNameResponseBody(message.body_type()))];
      return;
    }
    ++result_.ok;
    result_.latency.record(now - pending.intended);
  }

  void capture(const protocol::fbs::Response& message) {
    const auto* routed = message.body_as_RouteOrderResult();
    if (routed == nullptr) return;
    const flatbuffers::Vector<std::uint8_t>& decision = *routed->decision();
    const std::vector<std::uint8_t> frame =
        protocol::encode_frame({decision.data(), decision.size()});
    captured_.insert(captured_.end(), frame.begin(), frame.end());
    ++captured_count_;
  }

  // ---------------------------------------------------------------- the end

  void lost() {
    if (finished_) return;
    ++result_.connections_lost;
    finish();
  }

  void finish_if_idle() {
    if (sending_done_ && outstanding_ == 0) finish();
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    asio::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    on_finished_();
  }

  const LoadOptions& options_;
  const std::uint32_t index_;
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::vector<PooledOrder> pool_;
  std::function<void()> on_finished_;
  // On the strand only:
  Timeline timeline_;
  double interval_ns_ = 0;
  double offset_ns_ = 0;
  std::uint64_t slot_ = 0;
  std::uint64_t next_request_id_ = 1;
  std::uint64_t first_pending_id_ = 1;  // the id of pending_.front()
  std::deque<Pending> pending_;
  std::uint64_t outstanding_ = 0;
  std::deque<protocol::Frame> queue_;
  std::vector<asio::const_buffer> buffers_;
  bool writing_ = false;
  bool sending_done_ = false;
  bool finished_ = false;
  protocol::FrameReader reader_;
  LoadResult result_;
  std::vector<std::uint8_t> captured_;
  std::uint32_t captured_count_ = 0;
};

Status check(const LoadOptions& options) {
  if (options.connections == 0) return {StatusCode::invalid_argument, "no connections"};
  if (options.mode == LoopMode::open && !(options.rate > 0)) {
    return {StatusCode::invalid_argument, "an open loop needs a rate above 0"};
  }
  if (options.mode == LoopMode::closed && options.in_flight == 0) {
    return {StatusCode::invalid_argument, "a closed loop needs at least 1 request in flight"};
  }
  if (options.request == RequestKind::route && options.distinct_orders == 0) {
    return {StatusCode::invalid_argument, "no distinct orders to send"};
  }
  if (!(options.duration.count() > 0)) {
    return {StatusCode::invalid_argument, "the duration must be above 0"};
  }
  return Status::ok();
}

}  // namespace

Result<LoadResult> run_load(const LoadOptions& options) {
  if (Status checked = check(options); !checked.is_ok()) return checked;
  // Timers wake the open loop's connections at their requests' intended times: ask the
  // kernel not to round those wake-ups up by its default 50 µs of slack, which would
  // show in every latency measured from an intended time.
  (void)::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

  asio::io_context io;
  asio::error_code error;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(options.host, std::to_string(options.port), error);
  if (error || endpoints.empty()) {
    return Status{StatusCode::unavailable,
                  fmt::format("{}:{}: {}", options.host, options.port, error.message())};
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();

  std::vector<std::string> skus;
  if (options.request == RequestKind::route) {
    skus = demo::make_default_world({options.seed, options.sku_count}).skus_by_popularity;
  }

  // Finishing connections count down; the last one cancels the drain deadline.
  std::atomic<std::uint32_t> working{options.connections};
  asio::steady_timer give_up(io);
  const auto connection_finished = [&] {
    if (working.fetch_sub(1) == 1) asio::post(io, [&give_up] { give_up.cancel(); });
  };

  std::vector<std::unique_ptr<Connection>> connections;
  for (std::uint32_t index = 0; index < options.connections; ++index) {
    std::vector<PooledOrder> pool;
    if (options.request == RequestKind::route) {
      Result<std::vector<PooledOrder>> made = make_order_pool(skus, options, index);
      if (!made) return made.status();
      pool = std::move(made).value();
    }
    connections.push_back(
        std::make_unique<Connection>(io, options, index, std::move(pool), connection_finished));
    if (Status connected = connections.back()->connect(endpoint); !connected.is_ok()) {
      return connected;
    }
  }

  Timeline timeline;
  timeline.start = Clock::now() + std::chrono::milliseconds(20);
  timeline.measure_from = timeline.start + to_clock(options.warmup);
  timeline.stop_sending = timeline.measure_from + to_clock(options.duration);
  for (const auto& connection : connections) connection->start(timeline);
  give_up.expires_at(timeline.stop_sending + to_clock(options.drain));
  give_up.async_wait([&](const asio::error_code& waited) {
    if (waited) return;
    for (const auto& connection : connections) connection->abandon();
  });

  std::vector<std::thread> threads;
  for (std::uint32_t i = 1; i < std::max<std::uint32_t>(1, options.io_threads); ++i) {
    threads.emplace_back([&io] { io.run(); });
  }
  io.run();
  for (std::thread& thread : threads) thread.join();

  LoadResult total;
  total.measured = options.duration;
  std::vector<std::uint8_t> captured;
  for (const auto& connection : connections) {
    LoadResult& part = connection->result();
    total.sent += part.sent;
    total.answered += part.answered;
    total.ok += part.ok;
    total.connections_lost += part.connections_lost;
    for (const auto& [name, count] : part.errors) total.errors[name] += count;
    for (const auto& [name, count] : part.outcomes) total.outcomes[name] += count;
    total.latency.merge(part.latency);
    total.send_lag.merge(part.send_lag);
    const std::vector<std::uint8_t>& frames = connection->captured();
    captured.insert(captured.end(), frames.begin(), frames.end());
  }

  if (!options.capture_decisions_path.empty()) {
    // Keep the first capture_decisions frames over all connections.
    std::size_t at = 0;
    while (at + protocol::kFrameHeaderBytes <= captured.size() &&
           total.decisions_captured < options.capture_decisions) {
      const std::uint32_t length = static_cast<std::uint32_t>(captured[at]) |
                                   static_cast<std::uint32_t>(captured[at + 1]) << 8 |
                                   static_cast<std::uint32_t>(captured[at + 2]) << 16 |
                                   static_cast<std::uint32_t>(captured[at + 3]) << 24;
      at += protocol::kFrameHeaderBytes + length;
      ++total.decisions_captured;
    }
    std::ofstream file(options.capture_decisions_path, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(captured.data()), static_cast<std::streamsize>(at));
    if (!file) {
      return Status{StatusCode::io_error, fmt::format("{}: cannot write the captured decisions",
                                                      options.capture_decisions_path)};
    }
  }
  return total;
}

}  // namespace edgeroute::bench
