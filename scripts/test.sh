#!/usr/bin/env bash
# The full test suite, as CI runs it: formatting, then build and test under
# AddressSanitizer + UBSan (dev), ThreadSanitizer (tsan) and for 64-bit and 32-bit ARM
# under qemu-user (aarch64, armhf). Assumes scripts/setup.sh has run.
#
#   scripts/test.sh                 everything
#   scripts/test.sh dev tsan        only these presets (format check still runs)
set -euo pipefail
cd "$(dirname "$0")/.."

presets=("$@")
[[ ${#presets[@]} -eq 0 ]] && presets=(tsan aarch64 armhf dev)

jobs=$(nproc)
step() { printf '\n=== %s (%ss since start)\n' "$1" "$SECONDS"; }

step "format"
scripts/check-format.sh

for preset in "${presets[@]}"; do
  step "configure + build: $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  if [[ "$preset" == aarch64 || "$preset" == armhf ]]; then
    file build/"$preset"/engine/edgeroute 2>/dev/null || file build/"$preset"/tests/base/base_test
  fi
  step "test: $preset"
  ctest --preset "$preset" -j "$jobs"
done
