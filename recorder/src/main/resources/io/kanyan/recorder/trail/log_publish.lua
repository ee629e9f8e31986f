-- Publishes commitment log lines to Redis's copy (kanyan:commitments), fenced and compare-and-append.
-- KEYS[1] the lease (kanyan:checkpoint:writer), KEYS[2] the copy (kanyan:commitments)
-- ARGV[1] the writer's lease value ('<token> <node> <instance>'), or '' for lines that were published before
--         and that the copy lost (start-up only: they are appended only where they were)
-- ARGV[2] the length the copy must have now, ARGV[3] SHA-1 hex of its last line then ('' when empty)
-- ARGV[4..] the lines to append
-- Answers {'ok', new length}, {'fenced', the lease's value or ''} when the lease is not the writer's any more
-- (expired, or a newer token holds it), or {'moved', length} when the copy is not as the writer last saw it.
if ARGV[1] ~= '' then
  local lease = redis.call('GET', KEYS[1])
  if lease ~= ARGV[1] then
    return {'fenced', lease or ''}
  end
end
local length = redis.call('LLEN', KEYS[2])
if length ~= tonumber(ARGV[2]) then
  return {'moved', length}
end
if length > 0 and redis.sha1hex(redis.call('LINDEX', KEYS[2], -1)) ~= ARGV[3] then
  return {'moved', length}
end
for i = 4, #ARGV do
  redis.call('RPUSH', KEYS[2], ARGV[i])
end
return {'ok', redis.call('LLEN', KEYS[2])}
