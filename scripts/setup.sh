#!/usr/bin/env bash
# Installs everything edgeroute needs to build, test and cross-build on Debian 12,
# from Debian packages only. Safe to run again: apt skips what is already there.
#
#   scripts/setup.sh                          host toolchain + aarch64 and armhf cross targets
#                                             (armhf as a sysroot: scripts/make-armhf-sysroot.sh)
#   EDGEROUTE_CROSS=arm64 scripts/setup.sh    host + aarch64 only
#   EDGEROUTE_CROSS=none scripts/setup.sh     host only
set -euo pipefail

cross_arches=${EDGEROUTE_CROSS:-"arm64 armhf"}
[[ "$cross_arches" == none ]] && cross_arches=""

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
apt_install() {
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$@"
}

# Libraries the project links, for every architecture it is built for.
target_libraries=(
  libasio-dev libboost-dev libflatbuffers-dev libsqlite3-dev libhowardhinnant-date-dev
  libsystemd-dev libsodium-dev libfmt-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcpp-httplib-dev libssl-dev
)

host_tools=(
  build-essential cmake ninja-build ccache pkg-config file git ca-certificates tzdata
  flatbuffers-compiler clang clang-format libclang-rt-14-dev valgrind qemu-user iproute2
  libjs-chart.js chromium openssl
)

# arm64 libraries install as multiarch packages. armhf ones do not (see
# scripts/make-armhf-sysroot.sh): while armhf is a dpkg architecture, a stale armhf index
# on the mirror fails apt-get update for every architecture. An earlier setup.sh added it;
# take it out again unless something armhf is installed.
for arch in $cross_arches; do
  [[ "$arch" == armhf ]] && continue
  if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    "${sudo_cmd[@]}" dpkg --add-architecture "$arch"
  fi
done
if dpkg --print-foreign-architectures | grep -qx armhf &&
  ! dpkg-query -W -f '${Architecture}\n' 2>/dev/null | grep -qx armhf; then
  "${sudo_cmd[@]}" dpkg --remove-architecture armhf
fi

# A mirror caught mid-sync answers with index files of the wrong size. Ask again a few
# times; if one index stays stale, go on with the ones that did arrive: the install below
# is the real check and fails loudly if something it needs is missing.
for attempt in 1 2 3; do
  if "${sudo_cmd[@]}" apt-get update -qq; then break; fi
  if [[ $attempt -eq 3 ]]; then
    echo "setup.sh: warning: some package indexes could not be refreshed; using those that were" >&2
  else
    sleep $((attempt * 5))
  fi
done

packages=("${host_tools[@]}" "${target_libraries[@]}")
for arch in $cross_arches; do
  case "$arch" in
    arm64) packages+=(g++-aarch64-linux-gnu) ;;
    # The armhf libraries go into a sysroot, below; only the compiler comes from apt.
    armhf) packages+=(g++-arm-linux-gnueabihf) && continue ;;
    *) echo "setup.sh: unknown cross architecture '$arch'" >&2; exit 2 ;;
  esac
  # The target's own C and C++ runtimes, which qemu-user runs the tests against.
  packages+=("libc6:$arch" "libstdc++6:$arch")
  for lib in "${target_libraries[@]}"; do
    # Header-only, architecture-independent packages install once for all.
    [[ "$lib" == libasio-dev ]] && continue
    packages+=("$lib:$arch")
  done
done

apt_install "${packages[@]}"
if [[ " $cross_arches " == *" armhf "* ]]; then
  bash "$(dirname "$0")/make-armhf-sysroot.sh" "${target_libraries[@]}"
fi
echo "setup.sh: host tools and libraries installed${cross_arches:+; cross targets: $cross_arches}"
