#include "edgeroute/ops/ops_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <httplib.h>

#include "edgeroute/ops/metrics.h"

namespace edgeroute::ops {
namespace {

// Scrapes are small and rare: two threads serve them, so two slow scrapers at once
// are what it takes to make a third wait.
constexpr std::size_t kServingThreads = 2;
// An idle keep-alive connection holds a serving thread: not for long.
constexpr time_t kKeepAliveSeconds = 1;
constexpr time_t kReadWriteTimeoutSeconds = 5;
constexpr const char* kTextContentType = "text/plain; charset=utf-8";

bool is_ip_literal(const std::string& address) {
  in6_addr parsed{};
  return ::inet_pton(AF_INET, address.c_str(), &parsed) == 1 ||
         ::inet_pton(AF_INET6, address.c_str(), &parsed) == 1;
}

// 200 and `good`, or 503 and the reason.
void answer_check(const std::function<Status()>& check, std::string_view good,
                  httplib::Response& response) {
  const Status status = check ? check() : Status::ok();
  if (status.is_ok()) {
    response.status = 200;
    response.set_content(fmt::format("{}\n", good), kTextContentType);
    return;
  }
  response.status = 503;
  response.set_content(
      fmt::format("{}\n", status.message().empty() ? status.to_string() : status.message()),
      kTextContentType);
}

}  // namespace

struct OpsServer::Impl {
  OpsHandlers handlers;
  httplib::Server http;
  std::thread listener;
  std::atomic<bool> listener_returned{false};
  std::uint16_t port = 0;
};

Result<std::unique_ptr<OpsServer>> OpsServer::start(const std::string& address, std::uint16_t port,
                                                    OpsHandlers handlers) {
  const std::string where = fmt::format("{}:{}", address, port);
  // Also keeps getaddrinfo() (which cpp-httplib binds through) from asking a resolver.
  if (!is_ip_literal(address)) {
    return Status{StatusCode::invalid_argument, fmt::format("{}: not an IP address", where)};
  }
  auto impl = std::make_unique<Impl>();
  impl->handlers = std::move(handlers);
  Impl* const self = impl.get();
  httplib::Server& http = impl->http;
  http.new_task_queue = [] { return new httplib::ThreadPool(kServingThreads); };
  // cpp-httplib's default also sets SO_REUSEPORT, which would let a second gateway on
  // this host bind the same port and take half the scrapes. SO_REUSEADDR alone lets a
  // restarted gateway bind at once, as the orders listener does.
  http.set_socket_options([](socket_t descriptor) {
    const int yes = 1;
    ::setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  http.set_keep_alive_timeout(kKeepAliveSeconds);
  http.set_read_timeout(kReadWriteTimeoutSeconds);
  http.set_write_timeout(kReadWriteTimeoutSeconds);
  http.set_pre_routing_handler([](const httplib::Request& request, httplib::Response& response) {
    if (request.method == "GET" || request.method == "HEAD") {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    response.status = 405;
    response.set_header("Allow", "GET, HEAD");
    response.set_content("only GET and HEAD\n", kTextContentType);
    return httplib::Server::HandlerResponse::Handled;
  });
  http.Get("/metrics", [self](const httplib::Request&, httplib::Response& response) {
    response.set_content(self->handlers.metrics(), std::string(kExpositionContentType));
  });
  http.Get("/healthz", [self](const httplib::Request&, httplib::Response& response) {
    answer_check(self->handlers.health, "ok", response);
  });
  http.Get("/readyz", [self](const httplib::Request&, httplib::Response& response) {
    answer_check(self->handlers.readiness, "ready", response);
  });
  // Called for every status from 400 up: only the 404 of an unknown path gets words
  // here; the others keep the body their handler gave them.
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& response) {
        if (response.status != 404) return httplib::Server::HandlerResponse::Unhandled;
        response.set_content("not found: the ops endpoint serves /metrics, /healthz and /readyz\n",
                             kTextContentType);
        return httplib::Server::HandlerResponse::Handled;
      }));

  // cpp-httplib says only whether binding worked; the system call that failed left
  // its errno, which is the reason.
  constexpr int kNumericAddress = AI_NUMERICHOST | AI_PASSIVE;
  errno = 0;
  const int bound = port == 0 ? http.bind_to_any_port(address, kNumericAddress)
                              : (http.bind_to_port(address, port, kNumericAddress) ? port : -1);
  if (bound < 0) {
    const int error = errno;
    return Status{StatusCode::unavailable,
                  fmt::format("{}: bind: {}", where,
                              error != 0 ? std::strerror(error) : "cannot listen there")};
  }
  impl->port = static_cast<std::uint16_t>(bound);
  impl->listener = std::thread([self] {
    // A scraper that hangs up mid-answer makes the write raise SIGPIPE in the thread
    // that writes. Blocked here, and so in the serving threads this one starts (they
    // inherit its mask), the write fails with EPIPE instead and the process lives on.
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
    self->http.listen_after_bind();
    self->listener_returned.store(true, std::memory_order_release);
  });
  return std::unique_ptr<OpsServer>(new OpsServer(std::move(impl)));
}

OpsServer::OpsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

OpsServer::~OpsServer() {
  stop();
}

std::uint16_t OpsServer::port() const {
  return impl_->port;
}

void OpsServer::stop() {
  if (!impl_->listener.joinable()) return;
  // cpp-httplib's stop() does nothing before listen_after_bind() has entered its loop,
  // which would then run for ever: wait until it has (or has given up).
  while (!impl_->http.is_running() && !impl_->listener_returned.load(std::memory_order_acquire)) {
    std::this_thread::yield();
  }
  impl_->http.stop();
  impl_->listener.join();
}

}  // namespace edgeroute::ops
