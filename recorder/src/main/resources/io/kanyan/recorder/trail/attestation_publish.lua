-- Publishes what a party outside said about a tree head (witness cosignatures, an RFC 3161 token) for the other
-- nodes, fenced by the checkpoint writer's lease (recorder/TRAIL.md 5.7). Only the latest of each kind is kept.
-- KEYS[1] the lease (kanyan:checkpoint:writer), KEYS[2] the hash (kanyan:attestations)
-- ARGV[1] the writer's lease value, ARGV[2] the kind ('cosigned' or 'tsr'), ARGV[3] the tree size, ARGV[4] content
-- Answers 1 when published, 0 when the lease is not the writer's or a later tree head's is there already.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local size = redis.call('HGET', KEYS[2], ARGV[2] .. ':size')
if size and tonumber(size) > tonumber(ARGV[3]) then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[2] .. ':size', ARGV[3], ARGV[2], ARGV[4])
return 1
