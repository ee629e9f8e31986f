-- Takes a call's ownership lease when nobody holds it (signaling/CLUSTER.md).
-- KEYS[1] the lease (value "<token>:<node>"), KEYS[2] the call's fencing counter, KEYS[3] the owners hash
-- (inspection id -> the node that last took the call).
-- ARGV[1] this node, ARGV[2] the lease's time to live (ms), ARGV[3] the inspection id.
-- Returns {'held', value} when a node holds the lease, or {'acquired', token, previous owner or ''}: the token is
-- one more than any before it for this call, so a stale owner's writes are told apart by the fence.
local held = redis.call('GET', KEYS[1])
if held then
  return {'held', held}
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token .. ':' .. ARGV[1], 'PX', ARGV[2])
local previous = redis.call('HGET', KEYS[3], ARGV[3]) or ''
redis.call('HSET', KEYS[3], ARGV[3], ARGV[1])
return {'acquired', tostring(token), previous}
