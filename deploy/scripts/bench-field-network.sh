#!/usr/bin/env bash
# Calls under emulated mobile networks: the applicant's headless Chromium in its own network namespace behind a
# shaped veth link, one call per profile (good, 4g-busy, weak, drop, switch; all when none is named), printing
# time to first frame, frames/s received, freeze time, recovery time, photo upload time and the fallback (README,
# "Calls under emulated networks"). Needs root (network namespaces), iproute2, ethtool, python3, chromium,
# chromium-driver and redis-server (deploy/test.sh installs them).
# Shaping is done by a userspace emulator (the kernel needs no sch_netem); KANYAN_NETEM=1 uses tc netem instead.
# Usage: deploy/scripts/bench-field-network.sh [profile ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then
  echo "bench-field-network: network namespaces need root; run it as root (sudo $0 $*)" >&2
  exit 1
fi
mvn -q -B -pl signaling -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt
java -cp "signaling/target/test-classes:signaling/target/classes:recorder/target/test-classes:recorder/target/classes:$(cat signaling/target/bench-classpath.txt)" \
  io.kanyan.signaling.browser.NetworkProfilesBenchmark "$@"
