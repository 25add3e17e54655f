// What taking up a pushed policy costs a gateway, step by step: verifying the Ed25519
// signature of the bundle, then validating and compiling its policy against the
// network (the shipped example), then the whole admission (policy_admission.h). None of
// it is on the order path: routing goes on with the old policy meanwhile, and the swap
// itself is one snapshot publication (bench_snapshot).
//   cmake --preset release && cmake --build --preset release --target bench_policy_admission
//   build/release/bench/bench_policy_admission
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <string>

#include "edgeroute/base/assert.h"
#include "edgeroute/gateway/policy_admission.h"
#include "edgeroute/routing/geography.h"
#include "edgeroute/routing/io/compile.h"
#include "edgeroute/routing/io/load.h"
#include "edgeroute/sync/policy_bundle.h"

namespace {

namespace io = edgeroute::routing::io;
using edgeroute::Result;

std::string example(const std::string& name) {
  std::ifstream in(std::string(EDGEROUTE_SOURCE_DIR) + "/routing/examples/" + name);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Setting {
  Setting() {
    auto loaded_geography = edgeroute::routing::Geography::load_embedded();
    EDGEROUTE_ASSERT(loaded_geography.has_value(), "geography");
    geography =
        std::make_shared<const edgeroute::routing::Geography>(std::move(loaded_geography).value());
    auto loaded = io::load_network_json(example("network.json"), *geography);
    EDGEROUTE_ASSERT(loaded.has_value(), "network");
    document = std::make_unique<io::NetworkDocument>(std::move(loaded).value());
    const std::int64_t now = 1'795'000'000;  // 2026-11-18
    auto compiled = io::compile_network(document->root(), geography,
                                        io::OffsetHorizon::around(now - 86400, now, 30));
    EDGEROUTE_ASSERT(compiled.has_value(), "network compile");
    network = std::move(compiled).value();
    policy_json = example("policy.json");
    const std::string from = "\"version\": 7,";
    policy_json.replace(policy_json.find(from), from.size(), "\"version\": 8,");
    bundle = edgeroute::sync::sign_policy_bundle(
        {8, 0, std::numeric_limits<std::int64_t>::max(), policy_json}, key);
  }

  Result<std::shared_ptr<const edgeroute::routing::PolicyModel>> compile(
      std::string_view json) const {
    auto policy = io::load_policy_json(json, document->root());
    EDGEROUTE_ASSERT(policy.has_value(), "policy");
    return io::compile_policy(policy->root(), *network);
  }

  std::shared_ptr<const edgeroute::routing::Geography> geography;
  std::unique_ptr<io::NetworkDocument> document;
  std::shared_ptr<const edgeroute::routing::NetworkModel> network;
  edgeroute::sync::SigningKey key = edgeroute::sync::generate_signing_key();
  std::string policy_json;
  std::vector<std::uint8_t> bundle;
};

const Setting& setting() {
  static const Setting built;
  return built;
}

void BM_VerifyBundleSignature(benchmark::State& state) {
  const Setting& s = setting();
  for (auto _ : state) {
    auto opened = edgeroute::sync::open_policy_bundle(s.bundle, s.key.public_key);
    benchmark::DoNotOptimize(opened);
  }
  state.SetLabel(std::to_string(s.bundle.size()) + " bytes");
}
BENCHMARK(BM_VerifyBundleSignature)->Unit(benchmark::kMicrosecond);

void BM_ValidateAndCompilePolicy(benchmark::State& state) {
  const Setting& s = setting();
  for (auto _ : state) {
    auto compiled = s.compile(s.policy_json);
    benchmark::DoNotOptimize(compiled);
  }
}
BENCHMARK(BM_ValidateAndCompilePolicy)->Unit(benchmark::kMicrosecond);

void BM_AdmitPolicy(benchmark::State& state) {
  const Setting& s = setting();
  const edgeroute::gateway::AdmissionRules rules{s.key.public_key, 7, 1};
  for (auto _ : state) {
    auto admitted = edgeroute::gateway::admit_policy(
        s.bundle, rules, [&s](std::string_view json) { return s.compile(json); });
    EDGEROUTE_ASSERT(admitted.has_value(), "admission");
    benchmark::DoNotOptimize(admitted);
  }
}
BENCHMARK(BM_AdmitPolicy)->Unit(benchmark::kMicrosecond);

}  // namespace
