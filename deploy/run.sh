#!/usr/bin/env bash
# Runs Kanyan on its embedded defaults: its own redis-server (AOF) and data under ./data,
# HTTPS on :8443 with a self-signed certificate, plain HTTP on 127.0.0.1:8080, peer-to-peer media.
# Every setting can be changed through environment variables (see the README).
set -euo pipefail
cd "$(dirname "$0")/.."

# ffmpeg finalises recordings (remux so they have a duration and can be seeked).
# A CJK font, so snapshot watermarks (time, case number, address) render Chinese text.
deploy/scripts/ensure-packages.sh ffmpeg=ffmpeg dpkg:fonts-wqy-microhei

# The embedded default runs Debian's redis-server 7. The Redis 6.2 binary bundled in the jar (Lua sandbox CVEs)
# is used only where apt cannot install it.
if [ -z "${REDIS_URL:-}" ] && ! command -v redis-server >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && deploy/scripts/ensure-packages.sh redis-server=redis-server; then
    :
  else
    echo "kanyan: WARNING: could not install Debian's redis-server; falling back to the Redis 6.2 binary bundled" \
      "in the jar, which has known Lua sandbox CVEs. Install redis-server 7 or set REDIS_URL." >&2
  fi
fi

# Everything the server writes (recordings, snapshots, keys, checkpoint log, Redis files) is for its user only.
# Not in Kurento mode: the media server, usually another user, writes into directories the server creates.
if [ -z "${KMS_URL:-}" ]; then
  umask 077
fi

jar=signaling/target/kanyan.jar
if [ ! -f "$jar" ] || [ -n "$(find pom.xml recorder signaling web-client -newer "$jar" -type f \
    -not -path '*/target/*' -print -quit)" ]; then
  echo "kanyan: building (first run or sources changed)..."
  mvn -q -B -DskipTests package
fi
exec java ${KANYAN_JAVA_OPTS:-} -jar "$jar" "$@"
