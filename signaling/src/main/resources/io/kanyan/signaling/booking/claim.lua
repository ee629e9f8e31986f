-- Claims the reminders that are due, so that one sender (of any number of nodes, before or after a restart) sends
-- each: a claimed reminder moves from the due set to the claimed set, and is removed from there once sent. A claim
-- older than ARGV[3] ms (its sender died before finishing) is due again.
-- KEYS[1] due reminders (kanyan:reminders), KEYS[2] claimed reminders (kanyan:reminders:claimed).
-- ARGV[1] now (epoch ms), ARGV[2] the most to claim, ARGV[3] after how long a claim is given up (ms).
-- Returns the claimed inspection ids.
local now = tonumber(ARGV[1])
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[3]))
for _, id in ipairs(stale) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZADD', KEYS[1], 'NX', now, id)
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZADD', KEYS[2], now, id)
end
return due
