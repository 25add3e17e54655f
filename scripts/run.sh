#!/usr/bin/env bash
# The main job: build edgeroute (release) and run it on the shipped example gateway.
# Today that is the configuration check of a gateway on the x86-dev profile: it prints
# the effective configuration (profile defaults merged under the file's values).
set -euo pipefail
cd "$(dirname "$0")/.."

config=${1:-firmware_config/examples/gateway.json}
cmake --preset release >/dev/null
cmake --build --preset release --target edgeroute -j "$(nproc)" >/dev/null
build/release/engine/edgeroute config check "$config"
