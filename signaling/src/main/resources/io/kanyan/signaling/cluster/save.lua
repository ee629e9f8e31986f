-- Saves a call's state only while the lease holds the saving owner's value.
-- KEYS[1] the lease, KEYS[2] the state; ARGV[1] the value, ARGV[2] the state (JSON). Returns 1 when saved, else 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[2], ARGV[2])
  return 1
end
return 0
