#!/usr/bin/env bash
# Instructions per routing decision on scenario R1 or H (bench/routing_router_scenarios.h),
# counted by valgrind's callgrind: the repeatable figure where wall times on a shared
# machine are not, and the proxy for the ARM gateways. Builds routing_router_instructions
# in the release preset and runs it under callgrind, counting only the two batches of N
# decisions (N x Router::plan, N x Router::route + release), then prints instructions per
# decision and the functions that execute the most instructions in the route batch.
#
#   scripts/count-instructions.sh          R1, N = 10000
#   scripts/count-instructions.sh 2000     fewer decisions, about the same figure
#   scripts/count-instructions.sh 500 H    the heavy order (N <= 2048)
#   BUILD_DIR=build/mine scripts/count-instructions.sh   another release build tree
#
# The callgrind profiles stay in the build tree, for callgrind_annotate or kcachegrind.
set -euo pipefail
cd "$(dirname "$0")/.."

orders=${1:-10000}
scenario=${2:-R1}
build=${BUILD_DIR:-build/release}
cmake --preset release -B "$build" >/dev/null
cmake --build "$build" --target routing_router_instructions -j "$(nproc)" >/dev/null

binary=$build/bench/routing_router_instructions
per_decision() {  # <batch function> <profile>: Ir of the batch / N
  valgrind --quiet --tool=callgrind --callgrind-out-file="$2" --toggle-collect="$1" \
    "$binary" "$orders" "$scenario" >&2
  local total
  total=$(callgrind_annotate "$2" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
  echo $((total / orders))
}

plan_profile=$build/callgrind.out.$scenario.plan_batch
route_profile=$build/callgrind.out.$scenario.route_batch
plan=$(per_decision plan_batch_for_callgrind "$plan_profile")
route=$(per_decision route_batch_for_callgrind "$route_profile")
echo "instructions per $scenario plan (no reservation): $plan"
echo "instructions per $scenario decision: $route"
echo
echo "Top functions of the route batch: instructions per decision, exclusive of callees,"
echo "summed over each function's inlined parts ($route_profile):"
callgrind_annotate --auto=no --threshold=100 "$route_profile" | awk -v orders="$orders" '
  /^-+$/ { rule++; next }
  rule >= 3 && match($0, /^ *[0-9,]+ \( *[0-9.]+%\)  /) {
    count = $1; gsub(",", "", count)
    name = substr($0, RLENGTH + 1)
    sub(/ \[[^]]*\]$/, "", name)  # the object file
    sub(/^[^:]*:/, "", name)       # the source file the instructions came from
    sub(/\(.*$/, "", name)         # the parameter list
    if (length(name) > 100) name = substr(name, 1, 97) "..."
    if (name != "PROGRAM TOTALS") total[name] += count
  }
  END { for (name in total) printf "%8.0f  %s\n", total[name] / orders, name }' |
  sort -rn | head -n 20
