// End-to-end routing decisions: what Router::plan and Router::route cost on the
// scenarios of routing_router_scenarios.h (R1: 3 lines, 50 nodes, 1 M-SKU catalog, at
// most 2 shipments; H: 20 lines, about 500 candidate nodes, at most 4 shipments).
//   - Throughput (BM_*Plan, BM_*RouteReserveRelease): decisions per second on 1 and 2
//     threads, each thread with its own Router, all sharing model, inventory and
//     capacity. A route is followed by release() of what it reserved, so that stock
//     stays put; the release is part of the figure.
//   - Latency (BM_*Latency): each decision timed on its own with steady_clock (its
//     ~20 ns included) after a warm-up; p50 to max over all threads' decisions, and how
//     often the threads were preempted meanwhile (a preempted decision times the
//     machine, not the router).
//   - Latency during policy swaps (BM_R1PlanLatencyDuringPolicySwaps): the routing
//     thread reads a SnapshotPublisher<RoutingModel> per decision, first alone, then
//     while a writer compiles a new policy (new version, new weights, same network) and
//     publishes it every 100 us; reader and writer pinned to cores 0 and 1. writer:2 is
//     the control: the same writer thread spinning without publishing. The target is
//     that no decision during swaps takes more than twice the no-swap p99.9;
//     over_2x_base_p999 counts those that do. new_model_*: the decisions that were the
//     first on a newly published model, where a swap's own cost shows.
//   - Memory (BM_R1Memory): the InventoryTable for 1 M SKUs x 10 stocked nodes and the
//     NetworkModel of the 1 M-SKU catalog, measured while R1 was built; and what
//     finding an order line's SKU by id costs in that catalog (BM_R1FindSku).
// Instructions per decision: scripts/count-instructions.sh (routing_router_instructions).
//
// Build and run (figures mean something only optimised and without sanitizers):
//   cmake --preset release && cmake --build --preset release --target bench_router
//   build/release/bench/bench_router --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true   (medians of 3 runs)
// Figures and how to read them: docs/performance.md, "Routing decisions".
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <latch>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>

#include <benchmark/benchmark.h>

#include "edgeroute/base/assert.h"
#include "edgeroute/routing/snapshot.h"
#include "routing_router_scenarios.h"

namespace edgeroute::routing::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kMegabyte = 1e6;

// Where thread `index` of `count` starts in the scenario's orders: apart, so that two
// threads do not route the same order at the same moment.
std::size_t first_order(const Scenario& scenario, std::size_t index, std::size_t count) {
  return scenario.orders().size() * index / count;
}

void report_profile(benchmark::State& state, const Scenario& scenario) {
  state.counters["routed_share"] = scenario.profile().routed_share;
  state.counters["shipments"] = scenario.profile().mean_shipments;
  state.counters["stocked_nodes"] = scenario.profile().mean_stocked_nodes;
}

void throughput(benchmark::State& state, Scenario& scenario, Decision how) {
  Worker worker(scenario);
  const std::span<const OrderRequest> orders = scenario.orders();
  std::size_t next = first_order(scenario, static_cast<std::size_t>(state.thread_index()),
                                 static_cast<std::size_t>(state.threads()));
  for (auto _ : state) {
    const RoutingDecision& decision = worker.decide(orders[next], how);
    benchmark::DoNotOptimize(&decision);
    next = next + 1 == orders.size() ? 0 : next + 1;
  }
  state.SetItemsProcessed(state.iterations());
  // Summed over threads, divided by threads and by the (real) time: per thread.
  state.counters["per_thread_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kAvgThreads);
  if (state.thread_index() == 0) report_profile(state, scenario);
}

void BM_R1Plan(benchmark::State& state) {
  throughput(state, r1(), Decision::plan);
}
BENCHMARK(BM_R1Plan)->Threads(1)->Threads(2)->UseRealTime();

void BM_R1RouteReserveRelease(benchmark::State& state) {
  throughput(state, r1(), Decision::route);
}
BENCHMARK(BM_R1RouteReserveRelease)->Threads(1)->Threads(2)->UseRealTime();

void BM_HPlan(benchmark::State& state) {
  throughput(state, h(), Decision::plan);
}
BENCHMARK(BM_HPlan)->Threads(1)->Threads(2)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_HRouteReserveRelease(benchmark::State& state) {
  throughput(state, h(), Decision::route);
}
BENCHMARK(BM_HRouteReserveRelease)->Threads(1)->UseRealTime()->Unit(benchmark::kMicrosecond);

// --- Latency ------------------------------------------------------------------------------

struct Percentiles {
  explicit Percentiles(std::vector<std::int64_t>& samples_ns) : sorted(&samples_ns) {
    std::sort(samples_ns.begin(), samples_ns.end());
  }
  double at(double fraction) const {
    const auto index = static_cast<std::size_t>(fraction * static_cast<double>(sorted->size() - 1));
    return static_cast<double>((*sorted)[index]);
  }
  double max() const { return static_cast<double>(sorted->back()); }
  const std::vector<std::int64_t>* sorted;
};

void report_latency(benchmark::State& state, std::vector<std::int64_t>& samples_ns,
                    const char* prefix = "") {
  const Percentiles percentiles(samples_ns);
  const std::string p(prefix);
  state.counters[p + "p50_ns"] = percentiles.at(0.5);
  state.counters[p + "p99_ns"] = percentiles.at(0.99);
  state.counters[p + "p999_ns"] = percentiles.at(0.999);
  state.counters[p + "p9999_ns"] = percentiles.at(0.9999);
  state.counters[p + "max_ns"] = percentiles.max();
}

// Involuntary context switches of the calling thread so far. A decision that spans one
// was preempted: its time is the machine's, not the router's.
std::int64_t preemptions() {
  rusage usage{};
  if (getrusage(RUSAGE_THREAD, &usage) != 0) return 0;
  return static_cast<std::int64_t>(usage.ru_nivcsw);
}

// Decisions `first`, `first + 1`, ... (cycling through the orders), each timed alone.
// Returns how many times the thread was preempted while timing.
template <typename Decide>
std::int64_t time_decisions(const Scenario& scenario, std::size_t first, std::size_t warm_up,
                            std::vector<std::int64_t>& samples_ns, Decide&& decide) {
  const std::span<const OrderRequest> orders = scenario.orders();
  std::size_t next = first;
  const auto advance = [&] { next = next + 1 == orders.size() ? 0 : next + 1; };
  for (std::size_t i = 0; i < warm_up; ++i, advance()) {
    benchmark::DoNotOptimize(&decide(orders[next]));
  }
  const std::int64_t preempted_before = preemptions();
  for (std::int64_t& sample : samples_ns) {
    const Clock::time_point before = Clock::now();
    const RoutingDecision& decision = decide(orders[next]);
    const Clock::time_point after = Clock::now();
    benchmark::DoNotOptimize(&decision);
    sample = std::chrono::duration_cast<std::chrono::nanoseconds>(after - before).count();
    advance();
  }
  return preemptions() - preempted_before;
}

// `threads` workers, each warming up then timing `samples_per_thread` decisions, started
// together; the percentiles are over every thread's decisions.
void latency(benchmark::State& state, Scenario& scenario, Decision how,
             std::size_t samples_per_thread) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    std::vector<std::vector<std::int64_t>> samples(threads,
                                                   std::vector<std::int64_t>(samples_per_thread));
    std::vector<std::int64_t> preempted(threads, 0);
    std::latch ready(static_cast<std::ptrdiff_t>(threads));
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        Worker worker(scenario);
        ready.arrive_and_wait();
        preempted[t] =
            time_decisions(scenario, first_order(scenario, t, threads), samples_per_thread / 10,
                           samples[t], [&](const OrderRequest& order) -> const RoutingDecision& {
                             return worker.decide(order, how);
                           });
      });
    }
    for (std::thread& worker : workers) worker.join();
    std::vector<std::int64_t> all;
    for (const std::vector<std::int64_t>& thread_samples : samples) {
      all.insert(all.end(), thread_samples.begin(), thread_samples.end());
    }
    report_latency(state, all);
    state.counters["decisions"] = static_cast<double>(all.size());
    state.counters["preempted"] =
        static_cast<double>(std::accumulate(preempted.begin(), preempted.end(), std::int64_t{0}));
  }
}

constexpr std::size_t kR1Samples = 200'000;
constexpr std::size_t kHSamples = 20'000;

void BM_R1PlanLatency(benchmark::State& state) {
  latency(state, r1(), Decision::plan, kR1Samples);
}
BENCHMARK(BM_R1PlanLatency)->ArgName("threads")->DenseRange(1, 2)->Iterations(1)->UseRealTime();

void BM_R1RouteLatency(benchmark::State& state) {
  latency(state, r1(), Decision::route, kR1Samples);
}
BENCHMARK(BM_R1RouteLatency)->ArgName("threads")->DenseRange(1, 2)->Iterations(1)->UseRealTime();

void BM_HPlanLatency(benchmark::State& state) {
  latency(state, h(), Decision::plan, kHSamples);
}
BENCHMARK(BM_HPlanLatency)->ArgName("threads")->DenseRange(1, 2)->Iterations(1)->UseRealTime();

// --- Latency during policy swaps ------------------------------------------------------------

// Reader and writer each on a core of their own. Left to the scheduler on a 2-core
// machine that something else is using, both land on one core: the reader then stops
// for whole scheduler ticks while the writer runs, which measures the machine, not
// the swap.
constexpr unsigned kReaderCpu = 0;
constexpr unsigned kWriterCpu = 1;

bool pin_current_thread(unsigned cpu) {
  if (cpu >= std::thread::hardware_concurrency()) return false;
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  CPU_SET(cpu, &cpus);
  return pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus) == 0;
}

// The calling thread's CPU affinity, put back when this goes.
class AffinityRestorer {
 public:
  AffinityRestorer() {
    saved_ = pthread_getaffinity_np(pthread_self(), sizeof(cpus_), &cpus_) == 0;
  }
  ~AffinityRestorer() {
    if (saved_) (void)pthread_setaffinity_np(pthread_self(), sizeof(cpus_), &cpus_);
  }
  AffinityRestorer(const AffinityRestorer&) = delete;
  AffinityRestorer& operator=(const AffinityRestorer&) = delete;

 private:
  cpu_set_t cpus_{};
  bool saved_ = false;
};

enum WriterMode : std::int64_t {
  kPublishing = 1,  // a new policy every kPublishPeriod
  kSpinning = 2,    // the same thread and pacing, publishing nothing: the control
};
constexpr std::chrono::microseconds kPublishPeriod{100};

// Compiles and publishes policies on its own thread from construction to stop().
class PolicyWriter {
 public:
  PolicyWriter(SnapshotPublisher<RoutingModel>& publisher, const Scenario& scenario,
               WriterMode mode)
      : started_(Clock::now()), thread_([this, &publisher, &scenario, mode] {
          pinned_ = pin_current_thread(kWriterCpu);
          run(publisher, scenario, mode);
        }) {}
  ~PolicyWriter() { (void)stop(); }
  PolicyWriter(const PolicyWriter&) = delete;
  PolicyWriter& operator=(const PolicyWriter&) = delete;

  // Whether the writer runs on kWriterCpu alone (valid after stop()).
  bool pinned() const { return pinned_; }

  // Stops and joins; returns publications per second.
  double stop() {
    if (thread_.joinable()) {
      stopping_.store(true, std::memory_order_relaxed);
      thread_.join();
    }
    return static_cast<double>(published_) /
           std::chrono::duration<double>(Clock::now() - started_).count();
  }

 private:
  void run(SnapshotPublisher<RoutingModel>& publisher, const Scenario& scenario, WriterMode mode) {
    std::uint64_t version = 2;
    Clock::time_point next_publish = Clock::now();
    while (!stopping_.load(std::memory_order_relaxed)) {
      // Spin (yielding) rather than sleep: a sleep's wake-up is too coarse for 100 us.
      if (Clock::now() < next_publish) {
        std::this_thread::yield();
        continue;
      }
      // From now, not from the last deadline: a writer held off the CPU must not catch
      // up with a burst of back-to-back publications.
      next_publish = Clock::now() + kPublishPeriod;
      if (mode != kPublishing) continue;
      Result<RoutingModel> model =
          RoutingModel::create(scenario.network(), scenario.policy(version++));
      EDGEROUTE_ASSERT(model.has_value(), "a policy for the scenario's network makes a model");
      std::unique_ptr<const RoutingModel> next =
          std::make_unique<const RoutingModel>(std::move(model).value());
      while (!publisher.publish(std::move(next)).has_value()) {
        (void)publisher.reclaim();  // the reader is inside read(): try again
        std::this_thread::yield();
      }
      ++published_;
    }
  }

  Clock::time_point started_;
  std::atomic<bool> stopping_{false};
  std::uint64_t published_ = 0;  // written by the thread, read after join
  bool pinned_ = false;          // likewise
  std::thread thread_;
};

void BM_R1PlanLatencyDuringPolicySwaps(benchmark::State& state) {
  Scenario& scenario = r1();
  const auto mode = static_cast<WriterMode>(state.range(0));
  constexpr std::size_t kWarmUp = kR1Samples / 10;
  for (auto _ : state) {
    const AffinityRestorer restorer;
    const bool reader_pinned = pin_current_thread(kReaderCpu);
    SnapshotPublisher<RoutingModel> models(std::make_unique<const RoutingModel>(scenario.model()),
                                           {.reader_slots = 2, .retired_max = 8});
    std::optional<SnapshotReader<RoutingModel>> reader;
    reader.emplace(std::move(models.register_reader()).value());
    Worker worker(scenario);
    // Per call: whether the decision was the first on a newly published model, which is
    // where a swap's own cost (the new policy's cache misses) would show.
    std::vector<std::uint8_t> on_new_model;
    on_new_model.reserve(kWarmUp + kR1Samples);
    std::uint64_t last_version = 0;
    const auto decide = [&](const OrderRequest& order) -> const RoutingDecision& {
      const SnapshotGuard<RoutingModel> model = reader->read();
      on_new_model.push_back(model.version() != last_version ? 1 : 0);
      last_version = model.version();
      return worker.decide(order, Decision::plan, *model);
    };
    std::vector<std::int64_t> base(kR1Samples);
    state.counters["base_preempted"] =
        static_cast<double>(time_decisions(scenario, 0, kWarmUp, base, decide));
    on_new_model.clear();
    std::vector<std::int64_t> swapping(kR1Samples);
    {
      PolicyWriter writer(models, scenario, mode);
      state.counters["preempted"] =
          static_cast<double>(time_decisions(scenario, 0, kWarmUp, swapping, decide));
      state.counters["publishes_per_s"] = writer.stop();
      state.counters["pinned"] = reader_pinned && writer.pinned() ? 1 : 0;
    }
    std::vector<std::int64_t> first_on_new_model;
    for (std::size_t i = 0; i < swapping.size(); ++i) {
      if (on_new_model[kWarmUp + i] != 0) first_on_new_model.push_back(swapping[i]);
    }
    state.counters["new_model_decisions"] = static_cast<double>(first_on_new_model.size());
    if (!first_on_new_model.empty()) {
      const Percentiles percentiles(first_on_new_model);
      state.counters["new_model_p50_ns"] = percentiles.at(0.5);
      state.counters["new_model_p99_ns"] = percentiles.at(0.99);
      state.counters["new_model_max_ns"] = percentiles.max();
    }
    report_latency(state, base, "base_");
    report_latency(state, swapping);
    const double limit = 2 * Percentiles(base).at(0.999);
    state.counters["over_2x_base_p999"] = static_cast<double>(
        std::count_if(swapping.begin(), swapping.end(),
                      [&](std::int64_t sample) { return static_cast<double>(sample) > limit; }));
    reader.reset();  // before the publisher goes
  }
}
BENCHMARK(BM_R1PlanLatencyDuringPolicySwaps)
    ->ArgName("writer")
    ->Arg(kPublishing)
    ->Arg(kSpinning)
    ->Iterations(1)
    ->UseRealTime();

// --- Memory -------------------------------------------------------------------------------

void BM_R1Memory(benchmark::State& state) {
  const Scenario& scenario = r1();
  const BuildFigures& figures = scenario.figures();
  for (auto _ : state) benchmark::DoNotOptimize(&figures);
  state.counters["inventory_table_MB"] =
      static_cast<double>(figures.inventory_table_bytes) / kMegabyte;
  state.counters["inventory_rss_growth_MB"] =
      static_cast<double>(figures.inventory_resident_bytes) / kMegabyte;
  state.counters["cells"] = static_cast<double>(figures.stocked_cells);
  state.counters["inventory_build_s"] = figures.inventory_build_seconds;
  state.counters["network_model_heap_MB"] =
      static_cast<double>(figures.network_model_heap_bytes) / kMegabyte;
  state.counters["network_model_rss_growth_MB"] =
      static_cast<double>(figures.network_model_resident_bytes) / kMegabyte;
  state.counters["network_document_MB"] =
      static_cast<double>(figures.network_document_bytes) / kMegabyte;
  state.counters["network_build_s"] = figures.network_build_seconds;
  // What the 200 MB budget for 1 M SKUs covers: the stock and the catalog the planner
  // reads, both held for as long as the gateway runs.
  state.counters["inventory_and_network_MB"] =
      static_cast<double>(static_cast<std::int64_t>(figures.inventory_table_bytes) +
                          figures.network_model_heap_bytes) /
      kMegabyte;
}
BENCHMARK(BM_R1Memory)->Iterations(1);

// What resolving an order line's SKU id costs (NetworkModel::find_sku, once per line as
// an order comes in) in R1's 1 M-SKU catalog: ids of random SKUs (found), or the same
// ids with a character changed (not found, the unknown-SKU rejection's path).
void BM_R1FindSku(benchmark::State& state) {
  const bool known = state.range(0) != 0;
  const NetworkModel& network = *r1().network();
  std::mt19937_64 random(7);
  std::vector<std::string> ids;
  for (int i = 0; i < 65536; ++i) {
    std::string id(network.sku_id(static_cast<std::uint32_t>(random() % network.sku_count())));
    if (!known) id.back() = 'x';
    ids.push_back(std::move(id));
  }
  std::size_t next = 0;
  std::size_t found = 0;
  for (auto _ : state) {
    found += network.find_sku(ids[next]).has_value() ? 1u : 0u;
    next = (next + 1) & 65535;
  }
  if (found != (known ? static_cast<std::size_t>(state.iterations()) : 0)) {
    state.SkipWithError("find_sku answered wrongly");
  }
}
BENCHMARK(BM_R1FindSku)->ArgName("known")->Arg(1)->Arg(0);

}  // namespace
}  // namespace edgeroute::routing::bench
