#!/usr/bin/env bash
# Signaling benchmark: Kanyan's /ws relay beside a bare Vert.x WebSocket relay, same run, same JVM.
# Usage: deploy/scripts/bench-signaling.sh [pairs=1000] [msgs per second per pair=5] [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -q -B -DskipTests install
ulimit -n 65536 2>/dev/null || true
mvn -q -B -pl signaling exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=io.kanyan.signaling.bench.SignalingBenchmark -Dexec.args="${*:-1000 5 10}"
