-- Books an inspection into a slot, or moves its booking to another slot, atomically: no two inspections ever
-- hold one slot, and no inspection ever holds two. Every Kanyan key lives in one Redis (no cluster), so the
-- old slot's and the inspector's keys are named here from the stored booking.
-- KEYS[1] the slot (kanyan:slot:<slotId>), KEYS[2] the inspection's booking (kanyan:booking:<inspectionId>),
-- KEYS[3] due reminders (kanyan:reminders).
-- ARGV[1] inspection id, ARGV[2] slot id, ARGV[3] the inspection's inspector, ARGV[4] now (epoch ms),
-- ARGV[5] the applicant's cutoff in ms (-1: staff, no cutoff), ARGV[6] book | move,
-- ARGV[7] how long before the start the reminder is due (ms), ARGV[8] who (applicant | user:<name> |
-- integration:<id>), ARGV[9] a fresh id for this time's reminder (its idempotency key, kept in the booking as
-- 'reminder' so a reminder sent again after its sender died carries the same one).
-- Returns {'ok', start, end, bookedAt, old slot, old start, old end} (the old ones '' for a new booking; bookedAt is
-- the first booking's time, which a move keeps), {'same'} when the inspection already holds this slot (a retried
-- request), or {'<problem code>'}.
local s = redis.call('HMGET', KEYS[1], 'inspector', 'start', 'end', 'inspection')
if not s[1] then return {'no_slot'} end
if s[1] ~= ARGV[3] then return {'foreign_slot'} end
if s[4] == ARGV[1] then return {'same'} end
local start = tonumber(s[2])
local now = tonumber(ARGV[4])
local cutoff = tonumber(ARGV[5])
if start <= now then return {'slot_past'} end
if cutoff >= 0 and start - cutoff <= now then return {'past_cutoff'} end
local current = redis.call('HMGET', KEYS[2], 'slot', 'start', 'end', 'bookedAt')
if ARGV[6] == 'book' and current[1] then return {'already_booked'} end
if ARGV[6] == 'move' and not current[1] then return {'not_booked'} end
if s[4] then return {'slot_taken'} end
if ARGV[6] == 'move' then
  if cutoff >= 0 and tonumber(current[2]) - cutoff <= now then return {'booking_locked'} end
  redis.call('HDEL', 'kanyan:slot:' .. current[1], 'inspection')
  redis.call('HSET', KEYS[2], 'slot', ARGV[2], 'start', s[2], 'end', s[3], 'movedAt', ARGV[4], 'by', ARGV[8],
    'reminder', ARGV[9])
else
  redis.call('HSET', KEYS[2], 'slot', ARGV[2], 'inspector', ARGV[3], 'start', s[2], 'end', s[3],
    'bookedAt', ARGV[4], 'by', ARGV[8], 'reminder', ARGV[9])
end
redis.call('HSET', KEYS[1], 'inspection', ARGV[1])
redis.call('ZADD', 'kanyan:bookings:' .. ARGV[3], start, ARGV[1])
-- The reminder is due before the start; a booking made later than that gets none (its own notice names the time).
local due = start - tonumber(ARGV[7])
if due > now then
  redis.call('ZADD', KEYS[3], due, ARGV[1])
else
  redis.call('ZREM', KEYS[3], ARGV[1])
end
return {'ok', s[2], s[3], current[4] or ARGV[4], current[1] or '', current[2] or '', current[3] or ''}
