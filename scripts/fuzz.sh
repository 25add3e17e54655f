#!/usr/bin/env bash
# Fuzzes every parser that reads outside input (orders, routing documents, gateway
# configuration, wire frames, sync frames) and the gateway's handling of requests and
# central's of journal batches with libFuzzer,
# starting from the seed corpus in tests/fuzz/corpus/.
# New inputs that reach new code are kept in build/fuzz/corpus/<target>/; a crash
# leaves its input in build/fuzz/ and fails the run. Assumes scripts/setup.sh has run.
#
#   scripts/fuzz.sh            60 s per target
#   scripts/fuzz.sh 600        10 min per target
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
targets=(order_fuzz routing_document_fuzz gateway_config_fuzz protocol_frame_fuzz gateway_request_fuzz scenario_fuzz
  sync_message_fuzz)
corpus_of() { case "$1" in
  order_fuzz) echo order ;; routing_document_fuzz) echo routing_document ;;
  gateway_config_fuzz) echo gateway_config ;; protocol_frame_fuzz) echo protocol_frame ;;
  gateway_request_fuzz) echo gateway_request ;; scenario_fuzz) echo scenario ;;
  sync_message_fuzz) echo sync_message ;; esac; }
# gateway_request_fuzz keeps one gateway for the whole run. Boost.Lockfree keeps its queue
# nodes behind tagged pointers, which LeakSanitizer's mid-run checks cannot follow: the
# nodes are reachable (and freed with the gateway), so those reports are suppressed.
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
for target in "${targets[@]}"; do
  corpus=build/fuzz/corpus/$(corpus_of "$target")
  mkdir -p "$corpus"
  printf '\n=== %s, %s s\n' "$target" "$seconds"
  (cd build/fuzz && ./tests/fuzz/"$target" -max_total_time="$seconds" -max_len=65536 \
    -print_final_stats=1 "../../$corpus" "../../tests/fuzz/corpus/$(corpus_of "$target")")
done
