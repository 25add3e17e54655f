// Specifies `edgeroute route` as a person uses it (docs/routing.md section 7): on the
// shipped examples it prints one JSON decision per order, each readable against
// decision.fbs, and routes ord-1001 as the worked example says. An orders line that is
// not an order is reported as "<file>:<line>: ..." on stderr and makes the exit status
// 1, while every other order is still decided.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <flatbuffers/idl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/routing/fbs/decision_generated.h"
#include "edgeroute/testing/command_run.h"
#include "edgeroute/testing/temporary_directory.h"
#include "edgeroute/testing/text_file.h"

namespace edgeroute::cli {
namespace {

namespace fbs = routing::fbs;
using testing::CommandRun;
using ::testing::HasSubstr;

const std::string kExamples = std::string(EDGEROUTE_SOURCE_DIR) + "/routing/examples/";
const std::string kSchemaDir = std::string(EDGEROUTE_SOURCE_DIR) + "/routing/schema";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

// Runs `edgeroute route` on the example network, inventory and policy with `orders`,
// decisions to stdout.
CommandRun route(const std::string& orders, const testing::TemporaryDirectory& scratch) {
  return testing::run_command(std::string("'") + EDGEROUTE_BINARY + "' route --network '" +
                                  kExamples + "network.json' --inventory '" + kExamples +
                                  "inventory.json' --policy '" + kExamples +
                                  "policy.json' --orders '" + orders + "' --out -",
                              scratch / "stderr");
}

// One decision read back against decision.fbs (strict JSON); the failure names the
// parser's error.
class DecisionReader {
 public:
  DecisionReader() : parser_(strict()) {
    const std::string schema = edgeroute::testing::read_text_file(kSchemaDir + "/decision.fbs");
    const char* include_dirs[] = {kSchemaDir.c_str(), nullptr};
    schema_ok_ = parser_.Parse(schema.c_str(), include_dirs, "decision.fbs");
    EXPECT_TRUE(schema_ok_) << parser_.error_;
  }

  // nullptr, with a test failure, when `json` is not a Decision.
  const fbs::Decision* read(const std::string& json) {
    if (!schema_ok_ || !parser_.Parse(json.c_str())) {
      ADD_FAILURE() << "not a decision: " << parser_.error_ << "\n" << json;
      return nullptr;
    }
    bytes_.assign(parser_.builder_.GetBufferPointer(),
                  parser_.builder_.GetBufferPointer() + parser_.builder_.GetSize());
    flatbuffers::Verifier verifier(bytes_.data(), bytes_.size());
    if (!fbs::VerifyDecisionBuffer(verifier)) {
      ADD_FAILURE() << "does not verify: " << json;
      return nullptr;
    }
    return fbs::GetDecision(bytes_.data());
  }

 private:
  static flatbuffers::IDLOptions strict() {
    flatbuffers::IDLOptions options;
    options.strict_json = true;
    return options;
  }

  flatbuffers::Parser parser_;
  bool schema_ok_ = false;
  std::vector<std::uint8_t> bytes_;
};

TEST(RouteCommand, RoutesTheExamplesAsTheWorkedExampleSays) {
  const testing::TemporaryDirectory scratch("route-command");
  const CommandRun run = route(kExamples + "orders.jsonl", scratch);
  EXPECT_EQ(run.exit_status, 0) << run.err;
  const std::vector<std::string> decisions = lines_of(run.out);
  ASSERT_EQ(decisions.size(), 3U) << run.out;
  const char* order_ids[] = {"ord-1001", "ord-1002", "ord-1003"};
  for (std::size_t i = 0; i < decisions.size(); ++i) {
    DecisionReader reader;
    const fbs::Decision* decision = reader.read(decisions[i]);
    ASSERT_NE(decision, nullptr);
    EXPECT_EQ(decision->order_id()->str(), order_ids[i]);
  }
  DecisionReader reader;
  const fbs::Decision* first = reader.read(decisions[0]);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->outcome(), fbs::Outcome::routed);
  ASSERT_NE(first->shipments(), nullptr);
  ASSERT_EQ(first->shipments()->size(), 1U);
  EXPECT_EQ(first->shipments()->Get(0)->node_id()->str(), "store-brooklyn-12");
  EXPECT_EQ(first->shipments()->Get(0)->service_id()->str(), "ups-ground");
  EXPECT_EQ(first->shipments()->Get(0)->promise()->delivery_date()->str(), "2026-11-25");
  EXPECT_EQ(first->cost()->objective_cents(), 3320);
  EXPECT_THAT(run.err, HasSubstr("3 orders:"));
}

TEST(RouteCommand, MalformedOrderLineIsReportedWithItsFileAndLineAndTheOthersAreDecided) {
  const testing::TemporaryDirectory scratch("route-command");
  const std::vector<std::string> examples =
      lines_of(edgeroute::testing::read_text_file(kExamples + "orders.jsonl"));
  ASSERT_GE(examples.size(), 2U);
  const std::string orders = scratch / "orders.jsonl";
  std::ofstream(orders) << examples[0] << "\n"
                        << R"({ "id": "ord-broken", "lines": [)"
                        << "\n"
                        << examples[1] << "\n";

  const CommandRun run = route(orders, scratch);
  EXPECT_EQ(run.exit_status, 1);
  EXPECT_THAT(lines_of(run.err), ::testing::Contains(::testing::StartsWith(orders + ":2: ")))
      << run.err;
  const std::vector<std::string> decisions = lines_of(run.out);
  ASSERT_EQ(decisions.size(), 2U) << run.out;
  DecisionReader reader;
  const fbs::Decision* first = reader.read(decisions[0]);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->order_id()->str(), "ord-1001");
  EXPECT_EQ(first->cost()->objective_cents(), 3320);
  const fbs::Decision* second = reader.read(decisions[1]);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->order_id()->str(), "ord-1002");
  EXPECT_THAT(run.err, HasSubstr("1 unreadable lines"));
}

}  // namespace
}  // namespace edgeroute::cli
