#!/usr/bin/env bash
# HTTP benchmarks against the built server jar, run in a JVM of its own (RSS and live heap measured from outside):
#   deploy/scripts/bench-http.sh sockets [N=10000]   N idle /ws sockets: RSS and heap per socket; 404 and /api/me rates
#   deploy/scripts/bench-http.sh uploads [N=345]     N anonymous 10 MB snapshot posts: memory, answers, /health
set -euo pipefail
cd "$(dirname "$0")/../.."
what="${1:-sockets}"
shift || true
mvn -q -B -DskipTests package
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cp="signaling/target/test-classes:signaling/target/kanyan.jar"
case "$what" in
  sockets) exec java -cp "$cp" io.kanyan.signaling.bench.IdleSocketsBenchmark "${1:-10000}" signaling/target/kanyan.jar ;;
  uploads) exec java -cp "$cp" io.kanyan.signaling.bench.UploadFloodBenchmark "${1:-345}" signaling/target/kanyan.jar ;;
  *) echo "usage: $0 sockets|uploads [N]" >&2; exit 2 ;;
esac
