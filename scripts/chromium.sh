#!/usr/bin/env bash
# Prints the path of a headless-capable Chromium, installing Debian's
# `chromium` package when none is on PATH (apt-get, as root or with sudo).
# scripts/test.sh runs it and hands the path to the report's browser test
# (tests/tests/report_browser.rs) as NGLAB_CHROMIUM.
set -euo pipefail
for name in chromium chromium-browser; do
  if path=$(command -v "$name"); then
    echo "$path"
    exit 0
  fi
done
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "chromium.sh: chromium is missing and neither root nor sudo can install it" >&2; exit 1; }
  sudo="sudo"
fi
echo "chromium.sh: installing Debian's chromium (apt-get install -y chromium)" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends chromium; } >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "chromium.sh: apt-get install chromium failed" >&2
  exit 1
fi
rm -f "$log"
command -v chromium
