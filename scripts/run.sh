#!/usr/bin/env bash
# The main job: build edgeroute (release) and run `edgeroute demo`: a gateway on the
# embedded default world (one owned fulfillment center, five stores, four partner 3PLs,
# three drop-shippers, UPS/FedEx/USPS ground, two-day and next-day, 10k SKUs, real US
# geography) takes a day of realistic orders over TCP, journals every decision before
# answering it, and the demo prints what the day came to. Arguments go to the demo:
#   scripts/run.sh --seed 7 --orders 20000
# scripts/tour.sh walks through the other tools (config check, route, serve, send).
set -euo pipefail
cd "$(dirname "$0")/.."

cmake --preset release >/dev/null
cmake --build --preset release --target edgeroute -j "$(nproc)" >/dev/null
build/release/engine/edgeroute demo "$@"
