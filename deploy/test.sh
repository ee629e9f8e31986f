#!/usr/bin/env bash
# Runs the whole test suite: real redis-server processes, real WebSocket clients, headless Chromium.
# Installs the system packages the tests need when they are missing (Debian).
# Then checks that the tests deleted their temporary files (deploy/scripts/check-test-tmp.sh): a passing run that
# left some fails; a failing run only lists them (a failed test keeps its logs there).
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/scripts/ensure-packages.sh ffmpeg=ffmpeg chromium=chromium chromedriver=chromium-driver \
  redis-server=redis-server redis-sentinel=redis-sentinel haproxy=haproxy dpkg:fonts-wqy-microhei \
  softhsm2-util=softhsm2 pkcs11-tool=opensc openssl=openssl pdfsig=poppler-utils ip=iproute2 tc=iproute2 python3=python3-minimal ethtool=ethtool

# This run's temporary directories start empty (what a failed earlier run kept goes now).
rm -rf -- */target/test-tmp

status=0
mvn -B verify "$@" || status=$?
if ! deploy/scripts/check-test-tmp.sh; then
  if [ $status -eq 0 ]; then
    echo "kanyan: the suite passed but left temporary files (above): the test or helper that made them must delete them" >&2
    status=1
  fi
fi
exit $status
