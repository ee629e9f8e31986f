-- Appends one event to an inspection's chain, atomically and idempotently (see recorder/TRAIL.md).
-- KEYS[1] the inspection's stream, KEYS[2] its ids hash (event id -> stream entry id),
-- KEYS[3] the heads hash (inspection id -> "<seq>:<hash>" of the chain head), optional KEYS[4] a fence: the lease
-- key of the writer's ownership (signaling/CLUSTER.md).
-- ARGV: 1 event id, 2 prev hash, 3 seq, 4 hash, 5 inspection id, 6 type, 7 actor, 8 time, 9 payload, optional
-- 10 the lease value the writer holds (node and fencing token).
-- Returns {'dup', entryId} when the id is already stored (a replayed or retried append),
-- {'fenced', current} when a fence is given and the lease no longer holds the writer's value (a stale owner:
-- paused or partitioned past its lease; nothing is stored),
-- {'stale', headHash, headSeq} when another writer moved the head (the caller recomputes and retries),
-- {'early', lastTime} when ARGV[8] is earlier than the time of the chain's last event (another node's clock
-- is behind, or the clock stepped back): times never go backwards, so the caller recomputes with lastTime,
-- {'ok', entryId} when appended.
-- Times are compared as strings: the format is fixed-width (yyyy-MM-ddTHH:mm:ss.SSSZ), so string order is
-- time order.
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then
  -- Rewrites the same value: nothing changes, but the script now counts as a write, so a WAIT after it (replica
  -- acknowledgement) waits until the replicas have everything this primary holds, the earlier copy included. A
  -- retry after a failover can find its event on a new primary that its replicas do not have yet.
  redis.call('HSET', KEYS[2], ARGV[1], existing)
  return {'dup', existing}
end
if KEYS[4] then
  local lease = redis.call('GET', KEYS[4])
  if lease ~= ARGV[10] then
    return {'fenced', lease or ''}
  end
end
local headSeq = '0'
local headHash = '0000000000000000000000000000000000000000000000000000000000000000'
local head = redis.call('HGET', KEYS[3], ARGV[5])
if head then
  local sep = string.find(head, ':', 1, true)
  headSeq = string.sub(head, 1, sep - 1)
  headHash = string.sub(head, sep + 1)
end
if headHash ~= ARGV[2] or tonumber(headSeq) + 1 ~= tonumber(ARGV[3]) then
  return {'stale', headHash, headSeq}
end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if last[1] then
  local fields = last[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'time' then
      if ARGV[8] < fields[i + 1] then
        return {'early', fields[i + 1]}
      end
      break
    end
  end
end
local entry = redis.call('XADD', KEYS[1], '*', 'id', ARGV[1], 'inspection', ARGV[5], 'seq', ARGV[3],
  'type', ARGV[6], 'actor', ARGV[7], 'time', ARGV[8], 'payload', ARGV[9], 'prev', ARGV[2], 'hash', ARGV[4])
redis.call('HSET', KEYS[2], ARGV[1], entry)
redis.call('HSET', KEYS[3], ARGV[5], ARGV[3] .. ':' .. ARGV[4])
return {'ok', entry}
