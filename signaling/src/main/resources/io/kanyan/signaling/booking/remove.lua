-- Deletes a free slot; a booked one stays (its booking must be cancelled first).
-- KEYS[1] the slot (kanyan:slot:<slotId>). ARGV[1] slot id.
-- Returns {'ok'}, {'no_slot'} or {'slot_booked', the inspection's id}.
local s = redis.call('HMGET', KEYS[1], 'inspector', 'inspection')
if not s[1] then return {'no_slot'} end
if s[2] then return {'slot_booked', s[2]} end
redis.call('DEL', KEYS[1])
redis.call('ZREM', 'kanyan:slots:' .. s[1], ARGV[1])
return {'ok'}
