#!/usr/bin/env bash
# Restores a backup made by backup.sh into a FRESH Redis directory and a fresh data directory. Then start
# redis-server with deploy/redis.conf (its `dir` pointing at <redis dir>) and Kanyan with
# KANYAN_DATA_DIR=<data dir>; Kanyan reconciles the checkpoint log with Redis at start.
#
#   deploy/restore.sh /backups/kanyan-2026-11-26 /var/lib/kanyan/redis /var/lib/kanyan/data
#
# Environment: REDIS_SERVER (default redis-server), REDIS_CLI (default redis-cli),
#   RESTORE_PORT (a free loopback port for the temporary server, default 6399),
#   KANYAN_CHECKPOINT_LOG (where to put the checkpoint log when it is kept outside the data directory).
set -euo pipefail

backup=${1:?usage: restore.sh <backup dir> <new redis dir> <new data dir>}
redis_dir=${2:?usage: restore.sh <backup dir> <new redis dir> <new data dir>}
data_dir=${3:?usage: restore.sh <backup dir> <new redis dir> <new data dir>}
port=${RESTORE_PORT:-6399}
server=${REDIS_SERVER:-redis-server}
cli=(${REDIS_CLI:-redis-cli} -h 127.0.0.1 -p "$port")

for dir in "$redis_dir" "$data_dir"; do
  if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
    echo "restore: $dir is not empty; restore only into fresh directories" >&2
    exit 1
  fi
done

# 1. Nothing is restored from a damaged backup.
(cd "$backup" && sha256sum --quiet -c SHA256SUMS) || { echo "restore: the backup fails its checksums" >&2; exit 1; }

# 2. Files.
mkdir -p "$redis_dir" "$data_dir"
tar -C "$backup/data" -cf - . | tar -C "$data_dir" -xf -
if [ -n "${KANYAN_CHECKPOINT_LOG:-}" ] && [ -f "$backup/checkpoints.jsonl" ]; then
  mkdir -p "$(dirname "$KANYAN_CHECKPOINT_LOG")"
  cp -p "$backup/checkpoints.jsonl" "$KANYAN_CHECKPOINT_LOG"
  if [ -d "$backup/checkpoint-log" ]; then
    cp -pR "$backup/checkpoint-log/." "$(dirname "$KANYAN_CHECKPOINT_LOG")/"
  fi
fi
# The commitment log was copied before Redis, so Redis may hold a few entries more. This marker lets the
# next start append them (after checking each); without it, entries only Redis has mean a truncated log.
commitment_log=${KANYAN_CHECKPOINT_LOG:-$data_dir/checkpoints/commitments.jsonl}
mkdir -p "$(dirname "$commitment_log")"
: > "$commitment_log.restored"

# 3. Redis: load the RDB into a temporary server, turn the AOF on (Redis writes the whole dataset into a
#    fresh append-only file), wait for that rewrite, shut down. The directory then holds an AOF that
#    redis-server with deploy/redis.conf loads.
cp "$backup/redis/dump.rdb" "$redis_dir/dump.rdb"
"$server" --port "$port" --bind 127.0.0.1 --dir "$redis_dir" --dbfilename dump.rdb --appendonly no \
  --save "" --daemonize no --logfile "$redis_dir/restore.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do
  if [ "$("${cli[@]}" ping 2>/dev/null)" = PONG ]; then break; fi
  sleep 0.1
done
[ "$("${cli[@]}" ping 2>/dev/null)" = PONG ] || { echo "restore: the temporary redis-server did not start; see $redis_dir/restore.log" >&2; exit 1; }
"${cli[@]}" config set appendonly yes >/dev/null
for _ in $(seq 1 600); do
  info=$("${cli[@]}" info persistence | tr -d '\r')
  if grep -q '^aof_enabled:1' <<<"$info" && grep -q '^aof_rewrite_in_progress:0' <<<"$info" \
      && grep -q '^aof_rewrite_scheduled:0' <<<"$info"; then
    break
  fi
  sleep 0.1
done
grep -q '^aof_enabled:1' <<<"$info" || { echo "restore: Redis did not finish writing the AOF" >&2; exit 1; }
inspections=$("${cli[@]}" hlen kanyan:trail:heads)
"${cli[@]}" shutdown nosave >/dev/null 2>&1 || true
wait "$pid" 2>/dev/null || true
trap - EXIT
rm -f "$redis_dir/dump.rdb" "$redis_dir/restore.log"
echo "restore: done: $inspections inspections with a trail; start redis-server with dir $redis_dir"
