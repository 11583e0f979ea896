#!/usr/bin/env bash
# The fresh Debian 12 root of the chroot image test (`npm run test:image`): debootstrap's minbase, built once
# and cached as a tarball keyed by suite, variant, package list and mirror; every later run only extracts it.
#
#   scripts/image-test-base.sh DEST      extract a fresh root into DEST (absent or empty); builds the cache first if needed
#   scripts/image-test-base.sh --build   only make sure the cached tarball exists; prints its path
#
# Runs as root. Installs Debian's debootstrap with apt-get when it is missing.
# UNIBOX_TEST_CACHE (default /var/cache/unibox-test) holds the tarball; UNIBOX_TEST_DEBIAN_MIRROR
# (default http://deb.debian.org/debian) is where debootstrap and the root's apt fetch from.
set -euo pipefail

suite=bookworm
variant=minbase
# What Debian's EC2 AMI has and the provisioning script may count on: systemd as init (the boot hook is a
# unit), TLS roots and curl to fetch runtimes, xz to unpack node's archive.
include=systemd,systemd-sysv,ca-certificates,curl,xz-utils
mirror=${UNIBOX_TEST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${UNIBOX_TEST_CACHE:-/var/cache/unibox-test}
# Bump when what this script does to the root changes: the key then names a new tarball.
format=1

die() { echo "image-test-base: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "expected one argument, DEST or --build; found $#. Usage: scripts/image-test-base.sh DEST"
[ "$(id -u)" -eq 0 ] || die "debootstrap and chroot need root; run it as root (or with sudo)"

key=$(printf '%s\n' "$format" "$suite" "$variant" "$include" "$mirror" | sha256sum | cut -c1-16)
tarball="$cache/$suite-$variant-$key.tar"

ensure_debootstrap() {
  [ -x /usr/sbin/debootstrap ] && return 0
  echo "image-test-base: installing debootstrap" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  [ -x /usr/sbin/debootstrap ] || die "apt-get installed debootstrap but /usr/sbin/debootstrap is not there"
}

# Every mount under $1, deepest first (debootstrap mounts proc and sys in its target and may die holding them).
unmount_under() {
  local dir=$1 target
  awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r target; do
    umount "$target" 2>/dev/null || umount -l "$target" || true
  done
}

build_tarball() {
  local work
  work=$(mktemp -d "$cache/build.XXXXXX")
  # A failed or interrupted build leaves neither mounts nor a half tree behind.
  trap 'unmount_under "'"$work"'"; rm -rf --one-file-system "'"$work"'"' EXIT
  local t0=$SECONDS
  echo "image-test-base: debootstrap $suite ($variant, +$include) from $mirror; a few minutes, once" >&2
  if ! /usr/sbin/debootstrap --variant="$variant" --include="$include" "$suite" "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    [ -f "$work/root/debootstrap/debootstrap.log" ] && tail -n 30 "$work/root/debootstrap/debootstrap.log" >&2
    die "debootstrap failed (its log is above); check that $mirror is reachable"
  fi
  unmount_under "$work/root"
  local root=$work/root
  # Debian's packages must not start daemons while the root is a chroot: invoke-rc.d asks this first.
  printf '#!/bin/sh\n# No daemon starts while this root is a chroot (image test).\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
  # The suites Debian's AMI has, so the provisioning script's apt-get sees what it would on EC2.
  cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb ${mirror%/debian}/debian-security $suite-security main
EOF
  rm -f "$root"/var/cache/apt/archives/*.deb
  # Like an AMI: no machine id of its own (systemd makes one at first boot).
  : >"$root/etc/machine-id"
  tar --numeric-owner -C "$root" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  echo "image-test-base: cached $tarball ($((SECONDS - t0)) s)" >&2
  unmount_under "$work"
  rm -rf --one-file-system "$work"
  trap - EXIT
}

mkdir -p "$cache"
chmod 0700 "$cache"
# One builder at a time; a second run waits and then finds the tarball.
exec 9>"$cache/.base.lock"
flock 9
if [ ! -s "$tarball" ]; then
  ensure_debootstrap
  rm -f "$tarball.tmp"
  build_tarball
fi
flock -u 9

if [ "$1" = "--build" ]; then
  echo "$tarball"
  exit 0
fi

dest=$1
mkdir -p "$dest"
[ -z "$(ls -A "$dest")" ] || die "$dest is not empty; give an absent or empty directory to extract the root into"
tar --numeric-owner -C "$dest" -xpf "$tarball"
chmod 0755 "$dest"
