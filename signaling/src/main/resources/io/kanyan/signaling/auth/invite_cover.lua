-- Moves an invite's expiry to a later time, only if nothing changed since the caller read it (compare and set): the
-- inspection still names this invite, and its expiry is still the one read. Otherwise the caller reads again, so two
-- bookings at once keep the later time, and an invite revoked or replaced meanwhile is never brought back.
-- KEYS[1] the pointer kanyan:invite-of:<id>, KEYS[2] the invite's hash kanyan:invite:<digest>
-- ARGV[1] the digest read, ARGV[2] the expiresAt read, ARGV[3] the new expiresAt, ARGV[4] when the hash goes (epoch s)
-- Returns 1 when moved, 0 when something changed since it was read.
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('HGET', KEYS[2], 'expiresAt') ~= ARGV[2] then
  return 0
end
redis.call('HSET', KEYS[2], 'expiresAt', ARGV[3])
redis.call('EXPIREAT', KEYS[2], ARGV[4])
return 1
