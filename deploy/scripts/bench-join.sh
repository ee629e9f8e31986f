#!/usr/bin/env bash
# Join latency benchmark: phase by phase from the applicant's tap, in headless Chromium, peer-to-peer and in
# Kurento mode against the KMS double. Needs chromium, chromium-driver, redis-server and ffmpeg (deploy/test.sh
# installs them). Usage: deploy/scripts/bench-join.sh [calls per mode=5]
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -q -B -pl signaling -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt
java -cp "signaling/target/test-classes:signaling/target/classes:recorder/target/test-classes:recorder/target/classes:$(cat signaling/target/bench-classpath.txt)" \
  io.kanyan.signaling.browser.JoinLatencyBenchmark "${1:-5}"
