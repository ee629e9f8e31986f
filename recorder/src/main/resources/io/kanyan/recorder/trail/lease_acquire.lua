-- Acquires the checkpoint writer's lease (recorder/TRAIL.md 5.7).
-- KEYS[1] the lease (kanyan:checkpoint:writer), KEYS[2] the fencing counter (kanyan:checkpoint:fence)
-- ARGV[1] node name, ARGV[2] instance id (unique per process), ARGV[3] lease time in ms,
-- ARGV[4] '1' when this instance may take the lease over from an earlier instance of the same node name
--         (a restarted node: the old instance is gone, or fenced off by the new token anyway)
-- Answers {token, value}: token > 0 and the lease's value when acquired; token 0 and the holder's value when not.
-- A new token is the fencing counter INCRemented, so every holder ever has a larger token than the one before.
local current = redis.call('GET', KEYS[1])
if current then
  local token, node, instance = string.match(current, '^(%d+) (%S+) (%S+)$')
  if instance == ARGV[2] then
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    return {tonumber(token), current}
  end
  if not (ARGV[4] == '1' and node == ARGV[1]) then
    return {0, current}
  end
  local taken = redis.call('INCR', KEYS[2])
  local value = taken .. ' ' .. ARGV[1] .. ' ' .. ARGV[2]
  redis.call('SET', KEYS[1], value, 'XX', 'PX', ARGV[3])
  return {taken, value}
end
local token = redis.call('INCR', KEYS[2])
local value = token .. ' ' .. ARGV[1] .. ' ' .. ARGV[2]
if not redis.call('SET', KEYS[1], value, 'NX', 'PX', ARGV[3]) then
  return {0, redis.call('GET', KEYS[1]) or ''}
end
return {token, value}
