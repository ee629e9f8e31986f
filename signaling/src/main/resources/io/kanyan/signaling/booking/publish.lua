-- Publishes a slot unless it overlaps another slot of the same inspector.
-- KEYS[1] the new slot (kanyan:slot:<slotId>), KEYS[2] the inspector's slots (kanyan:slots:<inspector>).
-- ARGV[1] slot id, ARGV[2] inspector, ARGV[3] start, ARGV[4] end (epoch ms), ARGV[5] who published it,
-- ARGV[6] now (epoch ms), ARGV[7] the longest a slot may be (ms).
-- Returns {'ok'} or {'overlap', the other slot's id}.
local start, finish = tonumber(ARGV[3]), tonumber(ARGV[4])
local near = redis.call('ZRANGEBYSCORE', KEYS[2], start - tonumber(ARGV[7]), '(' .. finish)
for _, id in ipairs(near) do
  local e = redis.call('HGET', 'kanyan:slot:' .. id, 'end')
  if e and tonumber(e) > start then return {'overlap', id} end
end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'inspector', ARGV[2], 'start', ARGV[3], 'end', ARGV[4],
  'publishedBy', ARGV[5], 'publishedAt', ARGV[6])
redis.call('ZADD', KEYS[2], start, ARGV[1])
return {'ok'}
