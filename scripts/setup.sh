#!/usr/bin/env bash
# Installs what unibox and its sample stack need, where missing: Debian packages, then npm dependencies.
# Safe to run again: it only acts on what is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v runsvdir >/dev/null || need+=(runit)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v redis-server >/dev/null || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  # Debian's packages start their daemons through systemd where it runs; unibox supervises its own copies.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# The sample stack's api repo: what its image build step (`npm ci --omit=dev`) does, for a development boot.
if [ ! -d apps/api/node_modules ] || [ apps/api/package-lock.json -nt apps/api/node_modules/.package-lock.json ]; then
  npm ci --prefix apps/api --omit=dev --no-audit --no-fund --loglevel=error
fi
