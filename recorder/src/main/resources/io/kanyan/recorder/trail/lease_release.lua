-- Gives the checkpoint writer's lease up when it is still this holder's (a clean stop).
-- KEYS[1] the lease; ARGV[1] the holder's value. Answers 1 when released, 0 when it was not ours any more.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
