-- Extends the checkpoint writer's lease when it is still this holder's (compare and extend).
-- KEYS[1] the lease; ARGV[1] the holder's value ('<token> <node> <instance>'), ARGV[2] lease time in ms.
-- Answers 1 when extended, 0 when the lease expired or another holder (a larger token) has it.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
