#!/usr/bin/env bash
# The Debian packages the browser probes, the test video and the PostgreSQL backend need:
# Chromium (driven by Playwright through executable_path; `playwright install` cannot download
# on these machines), ffmpeg (the generated lesson video and the fake-camera clip) and PostgreSQL
# (the reference platform's second backend; the tests start their own server).
# Idempotent: nothing is installed when every command is already there.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
else
  sudo=
fi
echo "setup-system: installing ${need[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
