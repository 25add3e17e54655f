// The ops endpoint over real HTTP on loopback, as Prometheus and a supervisor's probes
// use it: /metrics with the exposition content type, /healthz and /readyz answering
// 503 with the reason until things are well, 404 and 405 for what it does not serve,
// and a bind error that names the address and port.
#include "edgeroute/ops/ops_server.h"

#include <atomic>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

namespace edgeroute::ops {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Probe {
  std::atomic<bool> healthy{true};
  std::atomic<bool> ready{false};
  std::atomic<int> scrapes{0};

  OpsHandlers handlers() {
    OpsHandlers handlers;
    handlers.metrics = [this] {
      return "# TYPE scrapes_total counter\nscrapes_total " + std::to_string(++scrapes) + "\n";
    };
    handlers.health = [this] {
      return healthy ? Status::ok()
                     : Status{StatusCode::unavailable, "the journal failed: disk I/O error"};
    };
    handlers.readiness = [this] {
      return ready ? Status::ok()
                   : Status{StatusCode::no_space, "journal.db: database or disk is full"};
    };
    return handlers;
  }
};

std::unique_ptr<OpsServer> start(Probe& probe) {
  Result<std::unique_ptr<OpsServer>> server = OpsServer::start("127.0.0.1", 0, probe.handlers());
  EXPECT_TRUE(server) << server.status().to_string();
  return server ? std::move(server).value() : nullptr;
}

httplib::Client client_of(const OpsServer& server) {
  httplib::Client client("127.0.0.1", server.port());
  client.set_connection_timeout(10);
  client.set_read_timeout(10);
  return client;
}

TEST(OpsServer, ServesMetricsAsPrometheusText) {
  Probe probe;
  const auto server = start(probe);
  ASSERT_NE(server, nullptr);
  ASSERT_NE(server->port(), 0);
  httplib::Client client = client_of(*server);
  const httplib::Result response = client.Get("/metrics");
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->get_header_value("Content-Type"), StartsWith("text/plain; version=0.0.4"));
  EXPECT_EQ(response->body, "# TYPE scrapes_total counter\nscrapes_total 1\n");
  // Each scrape renders anew.
  EXPECT_THAT(client.Get("/metrics")->body, HasSubstr("scrapes_total 2\n"));
}

TEST(OpsServer, HealthzIsOkUntilTheProcessNeedsARestart) {
  Probe probe;
  const auto server = start(probe);
  ASSERT_NE(server, nullptr);
  httplib::Client client = client_of(*server);
  const httplib::Result healthy = client.Get("/healthz");
  ASSERT_TRUE(healthy);
  EXPECT_EQ(healthy->status, 200);
  EXPECT_EQ(healthy->body, "ok\n");
  probe.healthy = false;
  const httplib::Result failed = client.Get("/healthz");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 503);
  EXPECT_EQ(failed->body, "the journal failed: disk I/O error\n");
}

TEST(OpsServer, ReadyzNamesWhyTheGatewayIsNotReadyThenTurnsOk) {
  Probe probe;
  const auto server = start(probe);
  ASSERT_NE(server, nullptr);
  httplib::Client client = client_of(*server);
  const httplib::Result refusing = client.Get("/readyz");
  ASSERT_TRUE(refusing);
  EXPECT_EQ(refusing->status, 503);
  EXPECT_EQ(refusing->body, "journal.db: database or disk is full\n");
  probe.ready = true;
  const httplib::Result ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
}

TEST(OpsServer, AnswersNotFoundForOtherPathsAndOnlyGetAndHead) {
  Probe probe;
  const auto server = start(probe);
  ASSERT_NE(server, nullptr);
  httplib::Client client = client_of(*server);
  for (const char* path : {"/", "/metrics/x", "/health", "/metricsz"}) {
    const httplib::Result response = client.Get(path);
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 404) << path;
  }
  const httplib::Result head = client.Head("/readyz");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 503);
  EXPECT_TRUE(head->body.empty());
  const httplib::Result post = client.Post("/metrics", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD");
  EXPECT_EQ(probe.scrapes, 0) << "a refused method must not run the handler";
}

TEST(OpsServer, NamesTheAddressAndPortItCannotBind) {
  Probe probe;
  const auto first = start(probe);
  ASSERT_NE(first, nullptr);
  Result<std::unique_ptr<OpsServer>> second =
      OpsServer::start("127.0.0.1", first->port(), probe.handlers());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.status().message(),
            "127.0.0.1:" + std::to_string(first->port()) + ": bind: Address already in use");
}

TEST(OpsServer, RefusesAnAddressThatIsNotAnIpLiteral) {
  Probe probe;
  Result<std::unique_ptr<OpsServer>> server = OpsServer::start("localhost", 0, probe.handlers());
  ASSERT_FALSE(server);
  EXPECT_EQ(server.status().code(), StatusCode::invalid_argument);
  EXPECT_EQ(server.status().message(), "localhost:0: not an IP address");
}

TEST(OpsServer, StopsWhenStoppedRightAfterStarting) {
  // cpp-httplib ignores a stop() that comes before its accept loop runs; OpsServer must
  // not hang there.
  Probe probe;
  for (int i = 0; i < 20; ++i) {
    const auto server = start(probe);
    ASSERT_NE(server, nullptr);
    server->stop();
  }
}

}  // namespace
}  // namespace edgeroute::ops
