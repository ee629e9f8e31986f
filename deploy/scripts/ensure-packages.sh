#!/usr/bin/env bash
# Installs the Debian packages named as arguments when they are missing.
# Usage: ensure-packages.sh <command>=<package> ... | dpkg:<package> ...
#   ffmpeg=ffmpeg            install package "ffmpeg" unless the command "ffmpeg" is on PATH
#   dpkg:fonts-wqy-microhei  install the package unless dpkg lists it (for packages without a command)
set -euo pipefail

missing=()
for arg in "$@"; do
  if [[ "$arg" == dpkg:* ]]; then
    pkg="${arg#dpkg:}"
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  else
    cmd="${arg%%=*}"
    pkg="${arg#*=}"
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "kanyan: installing missing system packages: ${missing[*]}"
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "kanyan: please install as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
