// OpsServer: the gateway's ops endpoint, plain HTTP/1.1 on the configuration's ops
// listener, for Prometheus and for whatever supervises the gateway:
//
//   GET /metrics   200, the registry's text (Content-Type kExpositionContentType)
//   GET /healthz   200 "ok" while the process can go on; 503 and the reason when only a
//                  restart helps (the journal failed): a liveness probe restarts on it
//   GET /readyz    200 "ready" while the gateway takes new work; 503 and the reason
//                  while it does not (a full disk, shutting down): a load balancer
//                  sends its orders elsewhere, nobody restarts it
//   anything else  404; methods other than GET and HEAD get 405
//
// It runs on threads of its own (cpp-httplib's: a listener and a small pool), so a
// slow or stuck scraper holds one of those and never a thread of the order path. The
// handlers are called on those threads, one request at a time per thread.
//
// Thread-safety: start() and stop() from one controlling thread; port() from any.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "edgeroute/base/result.h"
#include "edgeroute/base/status.h"

namespace edgeroute::ops {

struct OpsHandlers {
  // The body of /metrics (Registry::render).
  std::function<std::string()> metrics;
  // ok, or why the process should be restarted.
  std::function<Status()> health;
  // ok, or why the gateway takes no new work now.
  std::function<Status()> readiness;
};

class OpsServer {
 public:
  // Binds `address`:`port` (an IP literal; port 0: the operating system chooses, port()
  // tells which) and starts serving. Errors name the address and port ("127.0.0.1:7401:
  // bind: Address already in use").
  static Result<std::unique_ptr<OpsServer>> start(const std::string& address, std::uint16_t port,
                                                  OpsHandlers handlers);
  ~OpsServer();  // stops, if still running
  OpsServer(const OpsServer&) = delete;
  OpsServer& operator=(const OpsServer&) = delete;

  std::uint16_t port() const;

  // Stops listening, finishes the requests being served (an idle keep-alive
  // connection is dropped within a second) and joins the threads.
  void stop();

 private:
  struct Impl;
  explicit OpsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgeroute::ops
