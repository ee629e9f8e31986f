-- Stores an inspection's desk status if it is newer than the stored one, keeps the inspector's waiting queue in
-- step, and publishes the change to every node, in one step (so no node sees the queue and the status disagree,
-- and an older status computed late never overwrites a newer one).
-- KEYS[1] the inspection's status hash {seq, state}; KEYS[2] the inspector's waiting sorted set
-- ARGV[1] inspection id, ARGV[2] seq, ARGV[3] status JSON, ARGV[4] '1' when waiting, ARGV[5] queue score,
-- ARGV[6] channel, ARGV[7] message, ARGV[8] seconds to keep a closed inspection's status (0: for ever)
local stored = redis.call('HGET', KEYS[1], 'seq')
if stored and tonumber(stored) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[1], 'seq', ARGV[2], 'state', ARGV[3])
if tonumber(ARGV[8]) > 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[8])
end
if ARGV[4] == '1' then
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
redis.call('PUBLISH', ARGV[6], ARGV[7])
return 1
