#!/bin/sh
# The simulation report's HTML page drawn by headless Chromium: the page marks on its root
# element how many canvases it has, how many charts its script created and any script
# error; all the charts must be there and no error. Chromium is required: a machine
# without it fails this test rather than passing it unchecked.
#
# usage: chromium_renders.sh WORK_DIR COMMAND [ARGUMENT...]
#   COMMAND writes the page to the path appended to its arguments (the report fixture, or
#   `edgeroute simulate ... --report`).
set -eu

if [ "$#" -lt 2 ]; then
  echo "usage: chromium_renders.sh WORK_DIR COMMAND [ARGUMENT...]" >&2
  exit 2
fi
work_dir=$1
shift

if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium_renders.sh: chromium not found; install the Debian package chromium" \
       "(scripts/setup.sh does)" >&2
  exit 1
fi

rm -rf "$work_dir"
mkdir -p "$work_dir"
work_dir=$(cd "$work_dir" && pwd)
page="$work_dir/report.html"
"$@" "$page" >"$work_dir/command.log"

# A profile of its own, so that runs neither share state nor collide.
if ! chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=10000 \
       --user-data-dir="$work_dir/profile" --dump-dom "file://$page" \
       >"$work_dir/dom.html" 2>"$work_dir/chromium.log"; then
  echo "chromium_renders.sh: chromium failed; its log:" >&2
  cat "$work_dir/chromium.log" >&2
  exit 1
fi

root=$(grep -o '<html[^>]*>' "$work_dir/dom.html" | head -n 1 || true)
attribute() {
  printf '%s\n' "$root" | sed -n "s/.* $1=\"\\([^\"]*\\)\".*/\\1/p"
}
error=$(attribute data-render-error)
expected=$(attribute data-charts-expected)
rendered=$(attribute data-charts-rendered)

if printf '%s\n' "$root" | grep -q 'data-render-error='; then
  echo "chromium_renders.sh: the page's script failed: $error" >&2
  exit 1
fi
if [ -z "$rendered" ] || [ -z "$expected" ]; then
  echo "chromium_renders.sh: the page's script did not finish (root element: $root)" >&2
  exit 1
fi
if [ "$expected" -eq 0 ] || [ "$rendered" -ne "$expected" ]; then
  echo "chromium_renders.sh: $rendered charts rendered, $expected canvases on the page" >&2
  exit 1
fi
echo "chromium_renders.sh: $rendered of $expected charts rendered, no script error"
