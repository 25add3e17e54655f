// Fuzzes the gateway's handling of requests, past the frame and the verifier: the input
// is the byte stream a client sends, cut into frames; every request that verifies goes
// to a real Gateway (routing worker, journal writer, order book) on the example network,
// with a journal in a scratch directory. Whatever arrives, every request must get exactly
// one answer, which verifies as a response under the request's id; the gateway must not
// fail; and no stock level may go negative. A crash, hang, sanitizer report or failed
// assertion is a bug.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "edgeroute/base/assert.h"
#include "edgeroute/gateway/gateway.h"
#include "edgeroute/gateway/gateway_state.h"
#include "edgeroute/hal/sim/sim_clock.h"
#include "edgeroute/journal/journal.h"
#include "edgeroute/protocol/frame.h"
#include "edgeroute/protocol/verify.h"
#include "edgeroute/routing/time_text.h"

namespace {

namespace gateway = edgeroute::gateway;
namespace protocol = edgeroute::protocol;

constexpr std::uint32_t kMaxFrameBytes = 16 * 1024;
constexpr auto kAnswerTimeout = std::chrono::seconds(30);

std::string example(const std::string& name) {
  std::ifstream file(std::string(EDGEROUTE_SOURCE_DIR) + "/routing/examples/" + name);
  EDGEROUTE_ASSERT(file.good(), "an example document is missing");
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

// Collects what the gateway answers one request.
class AnswerSink final : public gateway::ResponseSink {
 public:
  void send(protocol::Frame frame) override {
    const std::lock_guard lock(mutex_);
    frames_.push_back(std::move(frame));
    arrived_.notify_all();
  }
  protocol::Frame wait_for_answer() {
    std::unique_lock lock(mutex_);
    const bool answered = arrived_.wait_for(lock, kAnswerTimeout, [&] { return !frames_.empty(); });
    EDGEROUTE_ASSERT(answered, "a request got no answer");
    EDGEROUTE_ASSERT(frames_.size() == 1, "a request got more than one answer");
    return std::move(frames_.front());
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<protocol::Frame> frames_;
};

// One gateway for the whole run: starting one per input would measure SQLite's open.
class Harness {
 public:
  Harness()
      : clock_(edgeroute::hal::WallTime(std::chrono::seconds(
                   *edgeroute::routing::parse_utc_instant("2026-11-24T15:04:05Z"))),
               edgeroute::hal::MonotonicTime{}) {
    // Memory-backed when the system has it: a commit per request is then cheap.
    const std::filesystem::path base =
        std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    std::string pattern = (base / "edgeroute-request-fuzz-XXXXXX").string();
    EDGEROUTE_ASSERT(::mkdtemp(pattern.data()) != nullptr, "no scratch directory");
    directory_ = pattern;
    edgeroute::journal::JournalOptions options;
    options.path = directory_ + "/journal.db";
    options.gateway_id = "gw-fuzz";
    auto journal = edgeroute::journal::Journal::open(options);
    EDGEROUTE_ASSERT(journal.has_value(), "the scratch journal does not open");
    journal_ = std::move(journal).value();
    const gateway::Baseline baseline{example("network.json"), example("policy.json"),
                                     example("inventory.json")};
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.wall_now().time_since_epoch())
            .count();
    auto state = gateway::GatewayState::restore(*journal_, &baseline, now, 3);
    EDGEROUTE_ASSERT(state.has_value(), "the example world does not restore");
    state_ = std::move(state).value();
    gateway::GatewayOptions gateway_options;
    gateway_options.gateway_id = "gw-fuzz";
    gateway_options.pipeline.routing_workers = 1;
    gateway_ = std::make_unique<gateway::Gateway>(gateway_options, *journal_, *state_, clock_);
    gateway_->start();
  }
  ~Harness() {
    gateway_->stop();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  void handle(std::span<const std::uint8_t> payload, std::uint64_t request_id) {
    auto sink = std::make_shared<AnswerSink>();
    gateway_->handle(gateway::ReceivedRequest{{payload.begin(), payload.end()}}, sink);
    const protocol::Frame answer = sink->wait_for_answer();
    const auto response = protocol::verify_response(answer.payload());
    EDGEROUTE_ASSERT(response.has_value(), "the gateway built an answer that does not verify");
    EDGEROUTE_ASSERT((*response)->request_id() == request_id, "an answer under another id");
  }

  void check_invariants() {
    EDGEROUTE_ASSERT(!gateway_->failed(), "the gateway failed on client input");
    const edgeroute::routing::InventoryTable& inventory = state_->inventory();
    for (std::uint32_t sku = 0; sku < inventory.sku_count(); ++sku) {
      for (const edgeroute::routing::InventoryCell& cell : inventory.stocked_nodes(sku)) {
        const edgeroute::routing::StockLevels levels = cell.levels();
        EDGEROUTE_ASSERT(levels.on_hand >= 0 && levels.reserved >= 0,
                         "a stock level went negative");
      }
    }
  }

 private:
  edgeroute::hal::SimClock clock_;
  std::string directory_;
  std::unique_ptr<edgeroute::journal::Journal> journal_;
  std::unique_ptr<gateway::GatewayState> state_;
  std::unique_ptr<gateway::Gateway> gateway_;
};

Harness& harness() {
  static Harness running;
  return running;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Harness& gateway = harness();
  protocol::FrameReader reader(kMaxFrameBytes);
  std::span<const std::uint8_t> rest(data, size);
  bool stream_open = true;
  while (stream_open && !rest.empty()) {
    rest = rest.subspan(reader.append(rest));
    while (true) {
      auto frame = reader.next();
      if (!frame) {  // a length of 0 or above the maximum: the server closes the stream
        stream_open = false;
        break;
      }
      if (!*frame) break;  // the rest of a frame has not arrived
      const std::span<const std::uint8_t> payload = **frame;
      // Refusals never reach the gateway (protocol_frame_fuzz covers them).
      const auto request = protocol::verify_request(payload);
      if (request) gateway.handle(payload, (*request)->request_id());
    }
  }
  gateway.check_invariants();
  return 0;
}
