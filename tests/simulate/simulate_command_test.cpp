// `edgeroute simulate` as a planner runs it, on the three shipped scenarios: a short
// run of every band prints the side-by-side table and writes the HTML, JSON and CSV
// reports; a scenario file with mistakes is refused with each mistake named; a band
// that does not exist is a usage error.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/testing/command_run.h"
#include "edgeroute/testing/temporary_directory.h"
#include "edgeroute/testing/text_file.h"

namespace edgeroute::cli {
namespace {

using testing::CommandRun;
using ::testing::HasSubstr;

const std::string kScenarios = std::string(EDGEROUTE_SOURCE_DIR) + "/engine/simulate/scenarios/";

CommandRun simulate(const std::string& arguments, const testing::TemporaryDirectory& scratch) {
  return testing::run_command(
      std::string("'") + EDGEROUTE_BINARY + "' simulate " + arguments + " --no-progress",
      scratch / "stderr");
}

std::string shipped_scenarios() {
  return "--scenario '" + kScenarios + "operate-heavy.json' --scenario '" + kScenarios +
         "hybrid.json' --scenario '" + kScenarios + "orchestrate-heavy.json'";
}

TEST(SimulateCommand, ComparesTheShippedScenariosInEveryBandAndWritesTheReports) {
  const testing::TemporaryDirectory scratch("simulate-command");
  const CommandRun run =
      simulate(shipped_scenarios() + " --days 2 --orders-per-day 300 --skus 2000 --sensitivity " +
                   "labour+15 --report '" + (scratch / "report.html") + "' --json '" +
                   (scratch / "report.json") + "' --csv '" + (scratch / "report.csv") + "'",
               scratch);
  ASSERT_EQ(run.exit_status, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("12 runs"));
  for (const char* name : {"operate-heavy", "hybrid", "orchestrate-heavy", "baseline", "peak",
                           "failure", "labour+15%"}) {
    EXPECT_THAT(run.out, HasSubstr(name));
  }
  const std::string html = edgeroute::testing::read_text_file(scratch / "report.html");
  EXPECT_THAT(html, HasSubstr("<canvas"));
  EXPECT_THAT(html, HasSubstr("orchestrate-heavy"));
  const std::string json = edgeroute::testing::read_text_file(scratch / "report.json");
  EXPECT_THAT(json, HasSubstr("\"largest_partner\""));
  const std::string csv = edgeroute::testing::read_text_file(scratch / "report.csv");
  std::size_t rows = 0;
  for (const char c : csv) rows += c == '\n' ? 1 : 0;
  EXPECT_EQ(rows, 1u + 12u) << csv;  // a header and one row per run
}

TEST(SimulateCommand, TheSameSeedPrintsTheSameFigures) {
  const testing::TemporaryDirectory scratch("simulate-command");
  const std::string arguments = "--scenario '" + kScenarios +
                                "hybrid.json' --band failure --days 2 --orders-per-day 200 "
                                "--skus 2000 --seed 5 --csv '" +
                                (scratch / "run.csv") + "'";
  ASSERT_EQ(simulate(arguments, scratch).exit_status, 0);
  const std::string first = edgeroute::testing::read_text_file(scratch / "run.csv");
  ASSERT_EQ(simulate(arguments, scratch).exit_status, 0);
  const std::string second = edgeroute::testing::read_text_file(scratch / "run.csv");
  EXPECT_EQ(first, second);
}

TEST(SimulateCommand, NamesEveryMistakeInAScenarioFile) {
  const testing::TemporaryDirectory scratch("simulate-command");
  const std::string path = scratch / "broken.json";
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs(R"({ "name": "broken", "nodes": [ { "node_id": "fc-nowhere" } ],
                    "demand": { "first_day": "2026-02-30", "weekday_percent": [1] } })",
               file);
    std::fclose(file);
  }
  const CommandRun run = simulate("--scenario '" + path + "'", scratch);
  EXPECT_EQ(run.exit_status, 1);
  EXPECT_THAT(run.err,
              HasSubstr("broken.json: demand.first_day: '2026-02-30' is not a YYYY-MM-DD date"));
  EXPECT_THAT(run.err, HasSubstr("broken.json: demand.weekday_percent: 1 values, a week has 7"));
}

TEST(SimulateCommand, AnUnknownNodeInAScenarioIsNamed) {
  const testing::TemporaryDirectory scratch("simulate-command");
  const std::string path = scratch / "unknown-node.json";
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs(R"({ "name": "odd", "nodes": [ { "node_id": "fc-nowhere", "enabled": false } ],
                    "demand": { "first_day": "2026-11-30", "days": 1, "orders_per_day": 10 } })",
               file);
    std::fclose(file);
  }
  const CommandRun run = simulate("--scenario '" + path + "' --skus 500", scratch);
  EXPECT_EQ(run.exit_status, 1);
  EXPECT_THAT(run.err,
              HasSubstr("nodes[0].node_id: 'fc-nowhere' is not a node of the default world"));
}

TEST(SimulateCommand, AnUnknownBandIsAUsageError) {
  const testing::TemporaryDirectory scratch("simulate-command");
  const CommandRun run =
      simulate("--scenario '" + kScenarios + "hybrid.json' --band christmas", scratch);
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_THAT(run.err, HasSubstr("--band christmas: not a band (baseline, peak, failure)"));
}

}  // namespace
}  // namespace edgeroute::cli
