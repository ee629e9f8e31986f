-- Renews a lease only while it still holds this owner's value. KEYS[1] the lease; ARGV[1] the value, ARGV[2] ttl (ms).
-- Returns 1 when renewed, 0 when the lease is gone or another owner's.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
