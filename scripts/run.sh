#!/usr/bin/env bash
# The main job: build edgeroute (release) and run it on the shipped examples:
#   1. check the example gateway's configuration (profile defaults merged under the
#      file's values) and print the effective configuration;
#   2. route the example orders against the example network, inventory and policy
#      (`edgeroute route`, the routing core in batch) and print each decision with its
#      cost breakdown, promise and alternatives.
set -euo pipefail
cd "$(dirname "$0")/.."

config=${1:-firmware_config/examples/gateway.json}
examples=routing/examples
cmake --preset release >/dev/null
cmake --build --preset release --target edgeroute -j "$(nproc)" >/dev/null

printf '=== gateway configuration (%s)\n' "$config"
build/release/engine/edgeroute config check "$config"

printf '\n=== routing %s/orders.jsonl\n' "$examples"
build/release/engine/edgeroute route --network "$examples/network.json" \
  --inventory "$examples/inventory.json" --policy "$examples/policy.json" \
  --orders "$examples/orders.jsonl" --out - --indented
