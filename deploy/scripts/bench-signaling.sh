#!/usr/bin/env bash
# Signaling benchmark: Kanyan's /ws relay beside a bare Vert.x WebSocket relay, same run, same JVM.
# Usage: deploy/scripts/bench-signaling.sh [pairs=1000] [msgs per second per pair=5] [seconds=10]
# CLUSTER=1 adds a third fleet: the pairs split across three Kanyan nodes on one Redis (signaling/CLUSTER.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -q -B -DskipTests install
ulimit -n 65536 2>/dev/null || true
mvn -q -B -pl signaling exec:java -Dexec.classpathScope=test ${CLUSTER:+-Dcluster=true} \
  -Dexec.mainClass=io.kanyan.signaling.bench.SignalingBenchmark -Dexec.args="${*:-1000 5 10}"
