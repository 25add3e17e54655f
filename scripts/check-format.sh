#!/usr/bin/env bash
# Fails, listing the files, if any tracked C++ source differs from .clang-format.
#   scripts/check-format.sh         check
#   scripts/check-format.sh --fix   rewrite the files in place
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t sources < <(git ls-files -co --exclude-standard -- '*.h' '*.hpp' '*.cpp' '*.cc')
if [[ ${#sources[@]} -eq 0 ]]; then
  echo "check-format: no C++ sources found" >&2
  exit 1
fi

if [[ "${1:-}" == --fix ]]; then
  clang-format -i "${sources[@]}"
  exit 0
fi

unformatted=()
for source in "${sources[@]}"; do
  if ! clang-format --dry-run --Werror "$source" >/dev/null 2>&1; then
    unformatted+=("$source")
  fi
done
if [[ ${#unformatted[@]} -gt 0 ]]; then
  echo "check-format: these files need clang-format (run scripts/check-format.sh --fix):" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "check-format: ${#sources[@]} files formatted"
