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
#      its journal. The daemon logs one JSON object per line (stderr); its ops endpoint
#      (/readyz, /metrics) is shown too.
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
sed -e 's#"port": 7400#"port": 0#' -e 's#"port": 7401#"port": 0#' "$config" |
  sed -e "s#^{#{ \"data_dir\": \"$workdir/data\",#" >"$workdir/gateway.json"

# The port a listening event of the daemon's log names: listening_port gateway.listening
listening_port() {
  sed -n "s/.*\"event\":\"$1\".*\"port\":\([0-9]*\).*/\1/p" "$workdir/serve.log"
}
start_daemon() {
  $edgeroute serve --config "$workdir/gateway.json" "$@" >"$workdir/serve.log" 2>&1 &
  daemon=$!
  for _ in $(seq 100); do
    grep -q '"event":"ops.listening"' "$workdir/serve.log" && break
    sleep 0.1
  done
  cat "$workdir/serve.log"
  address=127.0.0.1:$(listening_port gateway.listening)
  ops_port=$(listening_port ops.listening)
}
# GET on the ops endpoint: plain HTTP/1.0 through bash's /dev/tcp, no client needed.
ops_get() {
  exec 3<>"/dev/tcp/127.0.0.1/$ops_port"
  printf 'GET %s HTTP/1.0\r\n\r\n' "$1" >&3
  tr -d '\r' <&3
  exec 3<&-
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
printf '\n--- the ops endpoint: GET /readyz, and what moved in GET /metrics\n'
ops_get /readyz | sed -n '1p;$p'
ops_get /metrics |
  grep -E '^edgeroute_(orders_total|journal_last_sequence|decision_latency_seconds_count)' |
  grep -v ' 0$'
printf '\n--- SIGTERM: drain and stop\n'
stop_daemon

printf '\n=== restarted on the same journal\n'
start_daemon
$edgeroute send --to "$address" --query ord-1001 --query ord-1002 --query ord-1003
stop_daemon
