#!/usr/bin/env bash
# A tour of the tools on the shipped examples (the README's run command is the demo,
# scripts/run.sh). Builds edgeroute (release), then:
#   1. check the example gateway's configuration (profile defaults merged under the
#      file's values) and print the effective configuration;
#   2. route the example orders in batch (`edgeroute route`, the routing core without a
#      daemon) and print each decision with its cost breakdown, promise and alternatives;
#   3. start the gateway daemon (`edgeroute serve`) on a fresh data directory, send it the
#      example orders over TCP (`edgeroute send`), cancel one, show its status, stop it
#      with SIGTERM (it drains), start it again and show that it restored everything from
#      its journal.
set -euo pipefail
cd "$(dirname "$0")/.."

config=${1:-firmware_config/examples/gateway.json}
examples=routing/examples
edgeroute=build/release/engine/edgeroute
cmake --preset release >/dev/null
cmake --build --preset release --target edgeroute -j "$(nproc)" >/dev/null

printf '=== gateway configuration (%s)\n' "$config"
$edgeroute config check "$config"

printf '\n=== routing %s/orders.jsonl in batch\n' "$examples"
$edgeroute route --network "$examples/network.json" \
  --inventory "$examples/inventory.json" --policy "$examples/policy.json" \
  --orders "$examples/orders.jsonl" --out - --indented

# The daemon: the example configuration, on a data directory of its own and a port the
# system chooses.
workdir=$(mktemp -d /tmp/edgeroute-run-XXXXXX)
daemon=""
cleanup() {
  [[ -n "$daemon" ]] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  rm -rf "$workdir"
}
trap cleanup EXIT
sed -e 's#"port": 7400#"port": 0#' "$config" |
  sed -e "s#^{#{ \"data_dir\": \"$workdir/data\",#" >"$workdir/gateway.json"

start_daemon() {
  $edgeroute serve --config "$workdir/gateway.json" "$@" >"$workdir/serve.log" 2>&1 &
  daemon=$!
  for _ in $(seq 100); do
    grep -q 'listening on' "$workdir/serve.log" && break
    sleep 0.1
  done
  head -n 1 "$workdir/serve.log"
  address=$(sed -n 's/.*listening on \([0-9.:]*\);.*/\1/p' "$workdir/serve.log")
}
stop_daemon() {
  kill -TERM "$daemon"
  wait "$daemon"
  daemon=""
  tail -n 2 "$workdir/serve.log"
}

printf '\n=== the gateway daemon\n'
start_daemon --network "$examples/network.json" --policy "$examples/policy.json" \
  --inventory "$examples/inventory.json"
printf '\n--- edgeroute send --orders %s/orders.jsonl (decisions arrive once journaled)\n' "$examples"
$edgeroute send --to "$address" --orders "$examples/orders.jsonl" | cut -c1-160
printf '\n--- edgeroute send --cancel ord-1002\n'
$edgeroute send --to "$address" --cancel ord-1002
printf '\n--- edgeroute status\n'
$edgeroute status --to "$address"
printf '\n--- SIGTERM: drain and stop\n'
stop_daemon

printf '\n=== restarted on the same journal\n'
start_daemon
$edgeroute send --to "$address" --query ord-1001 --query ord-1002 --query ord-1003
stop_daemon
