#!/usr/bin/env bash
# Runs the whole test suite: real redis-server processes, real WebSocket clients, headless Chromium.
# Installs the system packages the tests need when they are missing (Debian).
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/scripts/ensure-packages.sh ffmpeg=ffmpeg chromium=chromium chromedriver=chromium-driver \
  redis-server=redis-server dpkg:fonts-wqy-microhei \
  softhsm2-util=softhsm2 pkcs11-tool=opensc openssl=openssl pdfsig=poppler-utils ip=iproute2 tc=iproute2 python3=python3-minimal haproxy=haproxy

mvn -B verify "$@"
