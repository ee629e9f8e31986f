-- Issues an inspection's invite and revokes the one before it, in one step (see invite_revoke.lua): of invites
-- issued at the same moment, the last to run is the current one and every other is deleted.
-- KEYS[1] the pointer kanyan:invite-of:<id>, KEYS[2] the pointer's old name, KEYS[3] the new invite's hash
-- ARGV[1] inspection id, ARGV[2] expiresAt (ISO-8601), ARGV[3] when the hash goes (epoch seconds), ARGV[4] its digest
-- Returns the digests of the invites revoked.
local revoked = {}
for i = 1, 2 do
  local digest = redis.call('GET', KEYS[i])
  if digest then
    redis.call('DEL', 'kanyan:invite:' .. digest)
    table.insert(revoked, digest)
  end
end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[3], 'inspectionId', ARGV[1], 'expiresAt', ARGV[2])
redis.call('EXPIREAT', KEYS[3], ARGV[3])
redis.call('SET', KEYS[1], ARGV[4])
return revoked
