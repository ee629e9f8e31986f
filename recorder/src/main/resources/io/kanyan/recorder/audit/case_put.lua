-- Stores a case file and moves its index entries, atomically (see recorder/TRAIL.md, section 1).
-- KEYS[1] the case hash. ARGV[1] case id, ARGV[2] score (created ms),
-- ARGV[3] the index keys that can change (status, conclusion), joined by "\n",
-- ARGV[4] the index keys that never change (time, inspector, case number, ...), joined by "\n",
-- ARGV[5..] field/value pairs of the hash.
-- The hash remembers its changeable index keys in the field "_indexes", so a later put removes the
-- entries that no longer apply (a status or conclusion that changed).
-- A closed case is never reopened: a late "started" write (it races the end) leaves it as it is.
local current = redis.call('HGET', KEYS[1], 'status')
if current == 'ended' or current == 'cancelled' then
  for i = 5, #ARGV, 2 do
    if ARGV[i] == 'status' and ARGV[i + 1] ~= 'ended' and ARGV[i + 1] ~= 'cancelled' then
      return 'closed'
    end
  end
end
local old = redis.call('HGET', KEYS[1], '_indexes')
local wanted = {}
for key in string.gmatch(ARGV[3], '[^\n]+') do
  wanted[key] = true
end
if old then
  for key in string.gmatch(old, '[^\n]+') do
    if not wanted[key] then
      redis.call('ZREM', key, ARGV[1])
    end
  end
end
local fields = {}
for i = 5, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[1], '_indexes', ARGV[3], unpack(fields))
for key in pairs(wanted) do
  redis.call('ZADD', key, ARGV[2], ARGV[1])
end
for key in string.gmatch(ARGV[4], '[^\n]+') do
  redis.call('ZADD', key, ARGV[2], ARGV[1])
end
return 'ok'
