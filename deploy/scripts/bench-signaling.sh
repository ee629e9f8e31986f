#!/usr/bin/env bash
# Signaling benchmark: Kanyan's /ws relay beside a bare Vert.x WebSocket relay, same run, same JVM; Kanyan both on
# one event loop (KANYAN_CALL_LOOPS=0) and with call loops (one per core but one, the default), with the CPU each
# server's event loops used.
# Usage: deploy/scripts/bench-signaling.sh [pairs=1000] [msgs per second per pair=5] [seconds=10]
# CLUSTER=1 adds a fleet: the pairs split across three Kanyan nodes on one Redis (signaling/CLUSTER.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
ulimit -n 65536 2>/dev/null || true
# Compiled in the reactor and run from the build directories: nothing is installed into ~/.m2.
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
mvn -q -B -pl signaling -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$cp_file"
java ${CLUSTER:+-Dcluster=true} -cp "signaling/target/test-classes:signaling/target/classes:$(cat "$cp_file")" \
  io.kanyan.signaling.bench.SignalingBenchmark ${*:-1000 5 10}
