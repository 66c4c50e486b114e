#!/usr/bin/env bash
# Installs the foreign DHT peers the interop tests run against (see /work/shared/PEERS.md); idempotent: installs
# only what is missing, so it costs nothing on a prepared machine.
#   - libtorrent-rasterbar (Debian python3-libtorrent): LibtorrentInteropTest, run with /usr/bin/python3
#     (the binding is built for Debian's interpreter, not for a pyenv/venv python3 earlier on PATH)
#   - nodejs + npm: BittorrentDhtInteropTest (which npm-installs bittorrent-dht into dht-app/target by itself)
#   - chromium + chromium-driver (the dashboard's browser test), curl (the README's API examples)
set -euo pipefail

packages=()
if ! /usr/bin/python3 -c 'import libtorrent' >/dev/null 2>&1; then
  packages+=(python3-libtorrent)
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi
# headless Chromium and its WebDriver: DashboardBrowserTest; curl: the README's API examples (OperatorDocsTest)
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  packages+=(chromium chromium-driver)
fi
if ! command -v curl >/dev/null 2>&1; then
  packages+=(curl)
fi

if [ "${#packages[@]}" -gt 0 ]; then
  echo "+ apt-get install ${packages[*]}"
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
    run_apt() { sudo DEBIAN_FRONTEND=noninteractive apt-get "$@"; }
  else
    run_apt() { DEBIAN_FRONTEND=noninteractive apt-get "$@"; }
  fi
  run_apt update -qq
  run_apt install -y -qq "${packages[@]}"
fi

# Fail here, with the reason, rather than later in the tests.
version=$(/usr/bin/python3 -c 'import libtorrent; print(libtorrent.__version__)')
echo "libtorrent ${version} (/usr/bin/python3), node $(node --version), npm $(npm --version)"
