-- Appends one event to an inspection's chain, atomically and idempotently.
-- KEYS[1] stream, KEYS[2] ids hash (event id -> stream entry id), KEYS[3] head hash, KEYS[4] index set
-- ARGV[1] event id, ARGV[2] expected prev hash, ARGV[3] seq, ARGV[4] hash, ARGV[5] inspection id,
-- ARGV[6..] field/value pairs of the stream entry.
-- Returns {'dup', entryId} when the id is already stored (a replayed or retried append),
-- {'stale', headHash, headSeq} when another writer moved the head (the caller recomputes and retries),
-- {'ok', entryId} when appended.
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then
  return {'dup', existing}
end
local head = redis.call('HMGET', KEYS[3], 'hash', 'seq')
local headHash = head[1] or '0000000000000000000000000000000000000000000000000000000000000000'
local headSeq = head[2] or '0'
if headHash ~= ARGV[2] or tonumber(headSeq) + 1 ~= tonumber(ARGV[3]) then
  return {'stale', headHash, headSeq}
end
local fields = {}
for i = 6, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
local entry = redis.call('XADD', KEYS[1], '*', unpack(fields))
redis.call('HSET', KEYS[2], ARGV[1], entry)
redis.call('HSET', KEYS[3], 'hash', ARGV[4], 'seq', ARGV[3])
redis.call('SADD', KEYS[4], ARGV[5])
return {'ok', entry}
