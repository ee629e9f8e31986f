-- Gives up a call that is over: its lease, state and owners entry go, if the lease is still the caller's.
-- KEYS[1] the lease, KEYS[2] the state, KEYS[3] the owners hash, KEYS[4] the fencing counter;
-- ARGV[1] the value, ARGV[2] the inspection id. The counter is kept a week (a late stale owner stays fenced).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('HDEL', KEYS[3], ARGV[2])
  redis.call('EXPIRE', KEYS[4], 604800)
  return 1
end
return 0
