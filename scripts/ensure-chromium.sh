#!/usr/bin/env bash
# The report's browser test drives Debian's Chromium through playwright-core, which never downloads a
# browser of its own. This makes sure /usr/bin/chromium is there: installed with apt where we may
# (root, or passwordless sudo), else we say exactly what to install and fail.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ -x "$CHROMIUM" ]]; then
  exit 0
fi

if [[ "$(id -u)" -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "ensure-chromium: $CHROMIUM is missing and this user cannot install packages." >&2
  echo "Install Debian's Chromium as root, then run the tests again:" >&2
  echo "  apt-get update && apt-get install -y chromium" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available." >&2
  echo "Install Chromium so that it runs as $CHROMIUM (on Debian: apt-get install -y chromium)." >&2
  exit 1
fi

echo "ensure-chromium: installing chromium with apt-get (about 25 s)" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y chromium

if [[ ! -x "$CHROMIUM" ]]; then
  echo "ensure-chromium: apt-get installed chromium but $CHROMIUM is still missing." >&2
  exit 1
fi
