#!/usr/bin/env bash
# End-to-end figures of the gateway daemon (`edgeroute serve`, release build, durable
# journal on a real disk) against the echo baseline (edgeroute_echo_server: the same
# framing and answer sizes with nothing behind it), both driven by edgeroute_loadgen
# over TCP on this host. docs/performance.md, "End to end (gateway daemon)", holds the
# figures and how to read them.
#
#   scripts/bench-e2e.sh                 # the scenarios below, ~3 minutes
#   scripts/bench-e2e.sh --journal       # and bench_journal's append figures
#   scripts/bench-e2e.sh --restart 1000000   # and a restart on a journal of 1 M orders
#                                            # (built by `edgeroute demo`: ~2 minutes)
#
# Scenarios, each against a gateway started on a fresh data directory:
#   a. closed loop, 4 connections x 32 in flight: the most each side takes;
#   b. open loop, 500 requests/s on 1 connection: latency at light load;
#   c. open loop at 70% (and at 50%) of the gateway's throughput in (a), 4 connections;
#   d. (a) on the default world as written, where stock and node capacity run out
#      within seconds and most decisions become backorders;
#   e. (b) with the x86-dev profile's journal.batch_max_delay_us (1000) instead of 0;
#   f. (b) with Ping instead of RouteOrder: the gateway answers those on its I/O thread,
#      so f against b separates the I/O path from the pipeline and the journal.
# The gateway of a-c and e runs a "stocked" default world: on-hand and node capacity
# multiplied by STOCK_SCALE, so that the whole run routes orders the way a fresh day
# does instead of measuring backorders after the first seconds (d shows the difference).
#
# Beside each run's figures: the share of its time some task waited for a CPU or for
# the disk (/proc/pressure). The gateway and the load generator share the host's cores,
# so a gateway run waits for CPU by itself; an echo run that does, or a run whose I/O
# waits, had neighbours, and its figures are theirs as much as ours. For each gateway
# run: its CPU time per journaled decision (all threads, warm-up included), and the
# journal's mean group-commit size and commit time (from its /metrics).
#
# Environment: BUILD_DIR (build/release), BENCH_DIR (/var/tmp; never a tmpfs, where
# fsync costs nothing), JOBS (nproc), SEED (1), SKUS (10000), STOCK_SCALE (1000),
# DURATION (10), WARMUP (2).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build/release}
bench_dir=${BENCH_DIR:-/var/tmp}
jobs=${JOBS:-$(nproc)}
seed=${SEED:-1}
skus=${SKUS:-10000}
stock_scale=${STOCK_SCALE:-1000}
duration=${DURATION:-10}
warmup=${WARMUP:-2}
run_journal=false
restart_entries=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --journal) run_journal=true ;;
    --restart) restart_entries=$2; shift ;;
    *) echo "usage: $0 [--journal] [--restart ENTRIES]" >&2; exit 2 ;;
  esac
  shift
done

cmake --preset release -B "$build" >/dev/null
cmake --build "$build" -j "$jobs" \
  --target edgeroute edgeroute_loadgen edgeroute_echo_server bench_journal >/dev/null
edgeroute=$build/engine/edgeroute
loadgen=$build/bench/loadgen/edgeroute_loadgen
echo_server=$build/bench/loadgen/edgeroute_echo_server

workdir=$(mktemp -d "$bench_dir/edgeroute-e2e-XXXXXX")
filesystem=$(df --output=fstype "$workdir" | tail -n 1)
if [[ $filesystem == tmpfs || $filesystem == ramfs ]]; then
  echo "$workdir is on $filesystem, where fsync costs nothing: set BENCH_DIR to a real disk" >&2
  rm -rf "$workdir"
  exit 1
fi

gateway_pid=""
echo_pid=""
stop_gateway() {
  if [[ -n $gateway_pid ]]; then
    kill -TERM "$gateway_pid" 2>/dev/null || true
    wait "$gateway_pid" 2>/dev/null || true
    gateway_pid=""
  fi
}
cleanup() {
  stop_gateway
  if [[ -n $echo_pid ]]; then
    kill -TERM "$echo_pid" 2>/dev/null || true
    wait "$echo_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT

# A port nothing listens on. The daemon gets it in its configuration, so nothing has
# to be read back from its log.
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  echo "no free port found" >&2
  exit 1
}
# Waits until something accepts connections on the port, or the process is gone.
wait_listening() {
  local port=$1 pid=$2 log=$3
  for _ in $(seq 6000); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the process serving port $port exited:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.01
  done
  echo "nothing listens on port $port after 60 s" >&2
  exit 1
}

# The default world as written, and the stocked one.
$edgeroute demo --write-world "$workdir/world" --seed "$seed" --skus "$skus" >/dev/null
mkdir -p "$workdir/stocked"
cp "$workdir/world/policy.json" "$workdir/stocked/"
jq --argjson k "$stock_scale" '.records |= map(.on_hand *= $k)' \
  "$workdir/world/inventory.json" >"$workdir/stocked/inventory.json"
jq --argjson k "$stock_scale" \
  '.nodes |= map(if .capacity then .capacity |= map_values(. * $k) else . end)' \
  "$workdir/world/network.json" >"$workdir/stocked/network.json"

# write_config FILE DATA_DIR PORT GATEWAY_ID BATCH_MAX_DELAY_US OPS_PORT
write_config() {
  cat >"$1" <<EOF
{
  "device_profile": "x86-dev",
  "gateway_id": "$4",
  "served_node_ids": ["fc-columbus-oh"],
  "orders": { "address": "127.0.0.1", "port": $3 },
  "ops": { "address": "127.0.0.1", "port": $6 },
  "sync": { "address": "127.0.0.1", "port": 0 },
  "central": { "host": "127.0.0.1", "port": 7500 },
  "policy_trust_anchor": "58VMtSJaH3diZ7aOlqRhIKv6AWQJtvoTo3hEX0VZwnE=",
  "data_dir": "$2",
  "routing_workers": 2,
  "queues": { "ingress_capacity": 4096, "journal_capacity": 4096 },
  "journal": { "batch_max_decisions": 512, "batch_max_delay_us": $5 }
}
EOF
}

# start_gateway WORLD_DIR [BATCH_MAX_DELAY_US]: a gateway on a fresh data directory.
start_gateway() {
  local world=$1 delay_us=${2:-0}
  stop_gateway
  local data
  data=$(mktemp -d "$workdir/gateway-XXXXXX")
  gateway_port=$(free_port)
  ops_port=$(free_port)
  write_config "$data/gateway.json" "$data/data" "$gateway_port" bench-gateway "$delay_us" \
    "$ops_port"
  $edgeroute serve --config "$data/gateway.json" --network "$world/network.json" \
    --policy "$world/policy.json" --inventory "$world/inventory.json" >"$data/serve.log" 2>&1 &
  gateway_pid=$!
  wait_listening "$gateway_port" "$gateway_pid" "$data/serve.log"
}

mkdir -p "$workdir/results"
# Microseconds some task waited for the CPU (cpu) or for I/O (io) since boot: the
# machine is shared, and the share of a run spent waiting says how much the figures are
# those of the neighbours (0 when the kernel has no pressure stall information).
stalled_us() {
  awk -F 'total=' '/^some/ { print $2 }' "/proc/pressure/$1" 2>/dev/null || echo 0
}
# run NAME TARGET_PORT LOADGEN_OPTIONS...: one loadgen run, its JSON kept as NAME, with
# the share of the run other work kept a CPU (or the disk) from someone.
run() {
  local name=$1 port=$2
  shift 2
  local cpu_before io_before started
  cpu_before=$(stalled_us cpu)
  io_before=$(stalled_us io)
  started=$(date +%s%N)
  $loadgen --target "127.0.0.1:$port" --seed "$seed" --skus "$skus" --duration "$duration" \
    --warmup "$warmup" --json "$@" >"$workdir/results/$name.txt"
  local elapsed_us=$((($(date +%s%N) - started) / 1000))
  tail -n 1 "$workdir/results/$name.txt" |
    jq -c --arg name "$name" --argjson elapsed "$elapsed_us" \
      --argjson cpu "$(($(stalled_us cpu) - cpu_before))" \
      --argjson io "$(($(stalled_us io) - io_before))" \
      '. + {name: $name, cpu_pressure_pct: ($cpu * 100 / $elapsed | floor),
            io_pressure_pct: ($io * 100 / $elapsed | floor)}' >"$workdir/results/$name.json"
  printf '  %-22s done\n' "$name"
}

# CPU seconds the gateway process has used, all threads.
gateway_cpu_seconds() {
  awk -v tick="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / tick }' \
    "/proc/$gateway_pid/stat"
}
# One value of the gateway's /metrics (a plain HTTP/1.0 GET through bash's /dev/tcp).
gateway_metric() {
  exec 3<>"/dev/tcp/127.0.0.1/$ops_port"
  printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
  tr -d '\r' <&3 | awk -v name="$1" '$1 == name { print $2 }'
  exec 3<&-
}
# run_gateway NAME LOADGEN_OPTIONS...: run() against the gateway, and what it cost the
# gateway: CPU per journaled decision, journal batches (warm-up included).
run_gateway() {
  local name=$1
  shift
  local cpu_before
  cpu_before=$(gateway_cpu_seconds)
  run "$name" "$gateway_port" "$@"
  local cpu entries batches commit_seconds
  cpu=$(jq -n "$(gateway_cpu_seconds) - $cpu_before")
  entries=$(gateway_metric edgeroute_journal_committed_entries_total)
  batches=$(gateway_metric edgeroute_journal_committed_batches_total)
  commit_seconds=$(gateway_metric edgeroute_journal_commit_seconds_sum)
  jq -c --argjson cpu "$cpu" --argjson entries "$entries" --argjson batches "$batches" \
    --argjson commit "$commit_seconds" \
    '. + {gateway: {cpu_seconds: $cpu, journaled: $entries,
                    cpu_us_per_decision: ($cpu * 1e6 / $entries),
                    batch_mean: ($entries / $batches), commit_mean_us: ($commit * 1e6 / $batches)}}' \
    "$workdir/results/$name.json" >"$workdir/results/$name.json.new"
  mv "$workdir/results/$name.json.new" "$workdir/results/$name.json"
}

printf 'edgeroute end to end: %s, %s cores, %s; default world seed %s, %s SKUs\n' \
  "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)" "$(nproc)" "$filesystem" \
  "$seed" "$skus"
printf 'work directory %s; stocked world: on-hand and capacity x %s\n\n' "$workdir" "$stock_scale"

# The echo server answers RouteOrder with decisions this gateway returned.
start_gateway "$workdir/stocked"
$loadgen --target "127.0.0.1:$gateway_port" --seed "$seed" --skus "$skus" --duration 2 \
  --warmup 0 --in-flight 8 --capture-decisions "$workdir/decisions.bin" >/dev/null
stop_gateway
echo_port=$(free_port)
$echo_server --port "$echo_port" --decisions "$workdir/decisions.bin" >"$workdir/echo.log" 2>&1 &
echo_pid=$!
wait_listening "$echo_port" "$echo_pid" "$workdir/echo.log"

closed=(--mode closed --connections 4 --in-flight 32)
light=(--mode open --connections 1 --rate 500)
run a-closed-echo "$echo_port" "${closed[@]}"
start_gateway "$workdir/stocked"
run_gateway a-closed-gateway "${closed[@]}"
run b-light-echo "$echo_port" "${light[@]}"
start_gateway "$workdir/stocked"
run_gateway b-light-gateway "${light[@]}"
max=$(jq '.throughput_rps' "$workdir/results/a-closed-gateway.json")
rate=$(jq -n --argjson max "$max" '$max * 0.7 | floor')
run c-70pct-echo "$echo_port" --mode open --connections 4 --rate "$rate"
start_gateway "$workdir/stocked"
run_gateway c-70pct-gateway --mode open --connections 4 --rate "$rate"
half=$(jq -n --argjson max "$max" '$max * 0.5 | floor')
start_gateway "$workdir/stocked"
run_gateway c-50pct-gateway --mode open --connections 4 --rate "$half"
start_gateway "$workdir/world"
run_gateway d-closed-gateway-asis "${closed[@]}"
start_gateway "$workdir/stocked" 1000
run_gateway e-light-gateway-delay "${light[@]}"
run f-light-ping-echo "$echo_port" "${light[@]}" --request ping
start_gateway "$workdir/stocked"
run f-light-ping-gateway "$gateway_port" "${light[@]}" --request ping
stop_gateway

printf '\n%-24s %9s %8s %8s %8s %8s %9s %9s  %s\n' scenario 'answers/s' p50 p90 p99 p99.9 \
  max 'cpu/io %' 'outcomes / errors (latency in µs; cpu/io %: pressure stalls)'
for file in "$workdir"/results/*.json; do
  jq -r '[.name, (.throughput_rps | floor), .latency_us.p50, .latency_us.p90, .latency_us.p99,
          .latency_us.p999, .latency_us.max, "\(.cpu_pressure_pct)/\(.io_pressure_pct)",
          ((.outcomes | to_entries | map("\(.key) \(.value)") | join(", ")) +
           (if (.errors | length) > 0
            then " / " + (.errors | to_entries | map("\(.key) \(.value)") | join(", "))
            else "" end) +
           (if .unanswered > 0 then " / unanswered \(.unanswered)" else "" end))] |
         @tsv' "$file" |
    awk -F '\t' '{ printf "%-24s %9s %8s %8s %8s %8s %9s %9s  %s\n", $1, $2, $3, $4, $5, $6, $7,
                    $8, $9 }'
done
printf '\n%-24s %14s %12s %15s\n' 'gateway' 'CPU µs/decision' 'batch (mean)' 'commit µs (mean)'
for file in "$workdir"/results/[a-e]-*gateway*.json; do
  jq -r '[.name, (.gateway.cpu_us_per_decision | . * 10 | floor / 10),
          (.gateway.batch_mean | . * 10 | floor / 10), (.gateway.commit_mean_us | floor)] | @tsv' \
    "$file" | awk -F '\t' '{ printf "%-24s %14s %12s %15s\n", $1, $2, $3, $4 }'
done
jq -rn --slurpfile ae "$workdir/results/a-closed-echo.json" \
  --slurpfile ag "$workdir/results/a-closed-gateway.json" \
  --slurpfile be "$workdir/results/b-light-echo.json" \
  --slurpfile bg "$workdir/results/b-light-gateway.json" \
  '"\nthroughput, gateway / echo: \($ag[0].throughput_rps / $ae[0].throughput_rps * 100 | floor)% (target >= 50%)",
   "p50 at light load, gateway - echo: \($bg[0].latency_us.p50 - $be[0].latency_us.p50 | . * 10 | floor / 10) µs (target <= 20 µs)"'

if $run_journal; then
  printf '\nbench_journal (durable decisions/s by batch size):\n'
  EDGEROUTE_BENCH_DIR=$workdir "$build/bench/bench_journal" \
    --benchmark_filter='BM_JournalAppend|BM_RawSqliteInsert' --benchmark_repetitions=3 \
    --benchmark_report_aggregates_only=true 2>/dev/null | grep -E 'median|Benchmark'
fi

if [[ $restart_entries -gt 0 ]]; then
  printf '\nrestart on a journal of %s orders (edgeroute demo --orders %s):\n' \
    "$restart_entries" "$restart_entries"
  data=$workdir/restart
  $edgeroute demo --orders "$restart_entries" --seed "$seed" --skus "$skus" --data-dir "$data" \
    --no-progress >/dev/null
  gateway_port=$(free_port)
  # The demo's journal belongs to the gateway id "demo-gateway".
  write_config "$workdir/restart.json" "$data" "$gateway_port" demo-gateway 0 0
  started=$(date +%s%N)
  $edgeroute serve --config "$workdir/restart.json" >"$workdir/restart.log" 2>&1 &
  gateway_pid=$!
  wait_listening "$gateway_port" "$gateway_pid" "$workdir/restart.log"
  listening=$(date +%s%N)
  stop_gateway
  printf '  journal %s MB; from start to listening %s ms; the restore itself (gateway.restored): %s ms\n' \
    "$(($(stat -c %s "$data/journal.db") / 1000000))" "$(((listening - started) / 1000000))" \
    "$(jq -rR 'fromjson? | select(.event == "gateway.restored") | .took_ms' "$workdir/restart.log")"
fi
