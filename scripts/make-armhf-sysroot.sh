#!/usr/bin/env bash
# Builds the armhf (32-bit ARM, hard float) sysroot that toolchains/arm-linux-gnueabihf.cmake
# compiles against and qemu-arm runs the tests in: Debian's armhf packages of the host's
# release, unpacked into one directory. scripts/setup.sh calls it with the libraries the
# project links:
#
#   scripts/make-armhf-sysroot.sh libfmt-dev libgtest-dev ...
#
# Why not multiarch (dpkg --add-architecture armhf), as for arm64: a mirror that serves a
# stale armhf index for one suite makes apt drop that suite for every architecture, and the
# armhf copies of Multi-Arch: same libraries then cannot match the host's versions. So the
# packages are resolved and downloaded with a private apt state (its own sources, lists,
# cache and an empty dpkg status) and unpacked with dpkg-deb: the host's apt state, dpkg
# database and architectures are never touched, and a suite whose armhf index does not
# download is left out of the sysroot only.
#
# The sysroot is merged-/usr (lib -> usr/lib), its absolute symlinks are made relative so
# they resolve inside it, and it carries a stamp of the exact package versions: a run that
# resolves the same versions does nothing. A new sysroot is built beside the old one and
# swapped in only when complete.
#
# Environment:
#   EDGEROUTE_ARMHF_SYSROOT   where the sysroot goes (default /opt/edgeroute/sysroot-armhf;
#                             the toolchain file reads the same variable)
#   EDGEROUTE_ARMHF_APT_DIR   private apt state and .deb cache (default /var/cache/edgeroute/apt-armhf)
#   EDGEROUTE_DEBIAN_MIRROR, EDGEROUTE_DEBIAN_SECURITY_MIRROR   package archives to use
set -euo pipefail

sysroot=${EDGEROUTE_ARMHF_SYSROOT:-/opt/edgeroute/sysroot-armhf}
apt_dir=${EDGEROUTE_ARMHF_APT_DIR:-/var/cache/edgeroute/apt-armhf}
mirror=${EDGEROUTE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${EDGEROUTE_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
# Bumped when the way the sysroot is laid out changes, so that old sysroots are rebuilt.
layout_version=1

if [[ $# -eq 0 ]]; then
  echo "usage: $0 <armhf package>..." >&2
  exit 2
fi

if [[ $(id -u) -ne 0 ]]; then
  exec sudo EDGEROUTE_ARMHF_SYSROOT="$sysroot" EDGEROUTE_ARMHF_APT_DIR="$apt_dir" \
    EDGEROUTE_DEBIAN_MIRROR="$mirror" EDGEROUTE_DEBIAN_SECURITY_MIRROR="$security_mirror" \
    bash "$0" "$@"
fi

log() { echo "make-armhf-sysroot: $*" >&2; }

# The C and C++ runtimes and headers of the target, for the cross compiler of Debian 12.
packages=(libc6-dev libstdc++-12-dev "$@")

# shellcheck source=/dev/null
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")

mkdir -p "$apt_dir"/{etc/apt.conf.d,etc/preferences.d,etc/sources.list.d,state/lists/partial}
mkdir -p "$apt_dir"/cache/archives/partial "$(dirname "$sysroot")"
# One run at a time: two runs would share the .deb cache and the swap-in of the sysroot.
exec 9>"$apt_dir/lock"
flock 9

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
{
  echo "deb [arch=armhf signed-by=$keyring] $mirror $codename main"
  echo "deb [arch=armhf signed-by=$keyring] $mirror $codename-updates main"
  echo "deb [arch=armhf signed-by=$keyring] $security_mirror $codename-security main"
} >"$apt_dir/etc/sources.list"
: >"$apt_dir/state/status"

# The host's apt.conf.d stays in force (proxies, retries); everything that says what is
# installed, where from and for which architecture is private. Command-line options win
# over configuration files.
apt_options=(
  -o "Dir::State=$apt_dir/state"
  -o "Dir::State::status=$apt_dir/state/status"
  -o "Dir::Cache=$apt_dir/cache"
  -o "Dir::Etc::SourceList=$apt_dir/etc/sources.list"
  -o "Dir::Etc::SourceParts=$apt_dir/etc/sources.list.d"
  -o "Dir::Etc::Preferences=$apt_dir/etc/preferences"
  -o "Dir::Etc::PreferencesParts=$apt_dir/etc/preferences.d"
  -o "APT::Architecture=armhf"
  -o "APT::Architectures=armhf"
  -o "APT::Install-Recommends=false"
  -o "APT::Install-Suggests=false"
  -o "Acquire::Languages=none"
)
private_apt() { apt-get "${apt_options[@]}" "$@"; }

# A mirror caught mid-sync serves an index of the wrong size; apt then ignores that suite
# (keeping an older copy if it has one) and fails. Ask once more, then go on with what
# arrived, as long as the release's main suite is among it.
for attempt in 1 2; do
  if private_apt -qq update 2>"$apt_dir/update.log"; then break; fi
  if [[ $attempt -eq 2 ]]; then
    log "warning: some armhf indexes could not be refreshed; the sysroot is built without them:"
    grep '^E: Failed to fetch' "$apt_dir/update.log" | sed 's/^/  /' >&2 || true
  else
    sleep 3
  fi
done
if ! compgen -G "$apt_dir/state/lists/*_dists_${codename}_main_binary-armhf_Packages*" >/dev/null; then
  log "error: the armhf index of $codename main could not be downloaded:"
  cat "$apt_dir/update.log" >&2
  exit 1
fi

# The dependency closure, as apt would install it on an empty armhf system.
mapfile -t pinned < <(
  private_apt -s install "${packages[@]}" |
    sed -n 's/^Inst \([^ ]*\) (\([^ ]*\) .*/\1=\2/p' | LC_ALL=C sort
)
if [[ ${#pinned[@]} -eq 0 ]]; then
  log "error: apt resolved no packages for: ${packages[*]}"
  exit 1
fi
wanted_stamp=$(printf '%s\n' "layout=$layout_version" "${pinned[@]}" | sha256sum | cut -d' ' -f1)
stamp_file="$sysroot/.edgeroute-sysroot-stamp"
if [[ -f "$stamp_file" && $(head -n 1 "$stamp_file") == "$wanted_stamp" ]]; then
  log "$sysroot is up to date (${#pinned[@]} packages)"
  exit 0
fi

log "downloading ${#pinned[@]} armhf packages"
private_apt -qq -y --download-only install "${pinned[@]}" >/dev/null

staging="$sysroot.new"
retired="$sysroot.old"
trap 'rm -rf "$staging" "$retired"' EXIT
rm -rf "$staging" "$retired"
mkdir -p "$staging"/usr/{bin,lib,sbin}
for dir in bin lib sbin; do ln -s "usr/$dir" "$staging/$dir"; done

deb_files=()
for entry in "${pinned[@]}"; do
  name=${entry%%=*}
  version=${entry#*=}
  matches=("$apt_dir/cache/archives/${name}_${version//:/%3a}_"*.deb)
  if [[ ! -f "${matches[0]}" ]]; then
    log "error: apt did not download $name $version"
    exit 1
  fi
  deb_files+=("${matches[0]}")
  # --keep-directory-symlink: a package's /lib lands in usr/lib, as on a merged-/usr system.
  dpkg-deb --fsys-tarfile "${matches[0]}" |
    tar -x --keep-directory-symlink --no-same-owner -C "$staging"
done

# Debian ships links such as libm.so -> /lib/arm-linux-gnueabihf/libm.so.6; from inside
# the sysroot they would point at the host. Re-point them relative, within the sysroot.
while IFS= read -r -d '' link; do
  target=$(readlink "$link")
  ln -sfn "$(realpath -m -s --relative-to="$(dirname "$link")" "$staging$target")" "$link"
done < <(find "$staging" -type l -lname '/*' -print0)

printf '%s\n' "$wanted_stamp" "${pinned[@]}" >"$staging/.edgeroute-sysroot-stamp"
if [[ -e "$sysroot" ]]; then mv "$sysroot" "$retired"; fi
mv "$staging" "$sysroot"
rm -rf "$retired"

# Keep the cache to what this sysroot was made of.
for deb in "$apt_dir"/cache/archives/*.deb; do
  [[ " ${deb_files[*]} " == *" $deb "* ]] || rm -f "$deb"
done
log "built $sysroot from ${#pinned[@]} packages"
