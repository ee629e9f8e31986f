-- Lets a reminder's claim go once its delivery is over, but only the claim this sender made: if the reminder was
-- claimed again meanwhile (moved and due again, or taken for stale), that newer claim stays for its own sender.
-- KEYS[1] claimed reminders (kanyan:reminders:claimed). ARGV[1] inspection id, ARGV[2] the claim's time (epoch ms).
-- Returns 1 when the claim was let go, 0 when it was not this sender's (or was gone).
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
