-- Cancels an inspection's booking: frees its slot, drops it from the inspector's day and its reminder.
-- KEYS[1] the booking (kanyan:booking:<inspectionId>), KEYS[2] due reminders (kanyan:reminders).
-- ARGV[1] inspection id, ARGV[2] now (epoch ms), ARGV[3] the applicant's cutoff in ms (-1: staff, no cutoff).
-- Returns {'ok', slot, inspector, start, end} or {'<problem code>'}.
local b = redis.call('HMGET', KEYS[1], 'slot', 'inspector', 'start', 'end')
if not b[1] then return {'not_booked'} end
local cutoff = tonumber(ARGV[3])
if cutoff >= 0 and tonumber(b[3]) - cutoff <= tonumber(ARGV[2]) then return {'booking_locked'} end
local slot = 'kanyan:slot:' .. b[1]
if redis.call('HGET', slot, 'inspection') == ARGV[1] then redis.call('HDEL', slot, 'inspection') end
redis.call('ZREM', 'kanyan:bookings:' .. b[2], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[1])
return {'ok', b[1], b[2], b[3], b[4]}
