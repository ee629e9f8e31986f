#!/usr/bin/env bash
# Backs up a Kanyan installation into <backup dir>: the data directory (recordings, snapshots, signing
# key, checkpoint log and leaves), then a point-in-time snapshot of Redis (the trail, the case files).
#
#   KANYAN_DATA_DIR=/var/lib/kanyan/data REDISCLI_AUTH=<password> deploy/backup.sh /backups/kanyan-2026-11-26
#
# Environment:
#   KANYAN_DATA_DIR        the data directory (required)
#   KANYAN_CHECKPOINT_LOG  the checkpoint log, when it is kept outside the data directory
#   REDIS_HOST, REDIS_PORT where Redis listens (default 127.0.0.1 6379)
#   REDISCLI_AUTH          the Redis password (redis-cli reads it from the environment); for the embedded
#                          Redis it is read from <data dir>/redis/kanyan-redis.conf when not set
#                          (REDIS_PORT is the port in that file then too)
#   REDIS_CLI              the redis-cli binary (default redis-cli)
#
# Order matters: the files are copied before Redis, so every checkpoint in the copied log commits events
# that are also in the (later) Redis snapshot. Redis may hold a few log entries more; restore.sh leaves a
# marker so that Kanyan appends them to the log at its next start after checking them.
set -euo pipefail

target=${1:?usage: backup.sh <backup dir>}
data_dir=${KANYAN_DATA_DIR:?set KANYAN_DATA_DIR to the Kanyan data directory}
embedded_conf="$data_dir/redis/kanyan-redis.conf"
if [ -z "${REDISCLI_AUTH:-}" ] && [ -r "$embedded_conf" ]; then
  # The embedded Redis requires a password generated at each start of the server.
  REDISCLI_AUTH=$(awk '$1 == "requirepass" {print $2}' "$embedded_conf")
  export REDISCLI_AUTH
  REDIS_PORT=${REDIS_PORT:-$(awk '$1 == "port" {print $2}' "$embedded_conf")}
fi
cli=(${REDIS_CLI:-redis-cli} -h "${REDIS_HOST:-127.0.0.1}" -p "${REDIS_PORT:-6379}")

if [ -e "$target" ] && [ -n "$(ls -A "$target" 2>/dev/null)" ]; then
  echo "backup: $target exists and is not empty; choose a new directory" >&2
  exit 1
fi
"${cli[@]}" ping | grep -q PONG || { echo "backup: Redis does not answer PING" >&2; exit 1; }
mkdir -p "$target/data" "$target/redis"

# 1. The data directory, without an embedded Redis's live files (they are snapshotted below).
tar -C "$data_dir" --exclude=./redis -cf - . | tar -C "$target/data" -xf -
if [ -n "${KANYAN_CHECKPOINT_LOG:-}" ]; then
  # The log outside the data directory, with what lives beside it: the key history and the attestations
  # (witness cosignatures, RFC 3161 timestamps).
  cp -p "$KANYAN_CHECKPOINT_LOG" "$target/checkpoints.jsonl"
  log_dir=$(dirname "$KANYAN_CHECKPOINT_LOG")
  mkdir -p "$target/checkpoint-log"
  [ -f "$log_dir/key-history.json" ] && cp -p "$log_dir/key-history.json" "$target/checkpoint-log/"
  [ -d "$log_dir/attestations" ] && cp -pR "$log_dir/attestations" "$target/checkpoint-log/"
fi

# 2. Redis: a consistent point-in-time RDB over the replication protocol (works for a remote Redis too,
#    and does not depend on the AOF's file layout or on a rewrite not starting during the copy).
"${cli[@]}" --rdb "$target/redis/dump.rdb" >/dev/null

# 3. Checksums of everything, checked by restore.sh before it touches anything.
(cd "$target" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)
{
  echo "kanyan backup"
  echo "created: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "redis: $("${cli[@]}" info server | tr -d '\r' | grep '^redis_version:')"
  echo "trail inspections: $("${cli[@]}" hlen kanyan:trail:heads)"
  echo "tree heads: $("${cli[@]}" llen kanyan:commitments)"
} > "$target/BACKUP-INFO"
echo "backup: done in $target"
