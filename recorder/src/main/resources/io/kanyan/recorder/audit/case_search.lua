-- Finds case ids in every given index (sorted sets scored by created ms), newest first, within a time
-- range, with paging. Walks the smallest index by rank from the newest in range and checks membership
-- in the others with ZSCORE, stopping as soon as the page is full (or after ARGV[5] entries: a guard).
-- KEYS: the index keys. ARGV[1] min score, ARGV[2] max score, ARGV[3] offset, ARGV[4] limit, ARGV[5] budget.
-- Returns {more (0/1), scanned, id...}.
local min, max = ARGV[1], ARGV[2]
local offset, limit, budget = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local walk, walkCount = 1, nil
for i = 1, #KEYS do
  local n = redis.call('ZCOUNT', KEYS[i], min, max)
  if n == 0 then
    return {0, 0}
  end
  if walkCount == nil or n < walkCount then
    walk, walkCount = i, n
  end
end
-- In REV order, the newest entry within range has rank = number of entries newer than max.
local maxEx = max == '+inf' and nil or ('(' .. max)
local first = maxEx and redis.call('ZCOUNT', KEYS[walk], maxEx, '+inf') or 0
local last = first + walkCount - 1
local found, skipped, scanned = {0, 0}, 0, 0
local chunk = 500
local rank = first
while rank <= last do
  local page = redis.call('ZRANGE', KEYS[walk], rank, math.min(rank + chunk - 1, last), 'REV')
  for _, id in ipairs(page) do
    scanned = scanned + 1
    local match = true
    for i = 1, #KEYS do
      if i ~= walk and not redis.call('ZSCORE', KEYS[i], id) then
        match = false
        break
      end
    end
    if match then
      if skipped < offset then
        skipped = skipped + 1
      elseif #found - 2 < limit then
        found[#found + 1] = id
      else
        found[1] = 1
        found[2] = scanned
        return found
      end
    end
  end
  if scanned >= budget then
    found[1] = 1
    found[2] = scanned
    return found
  end
  rank = rank + chunk
end
found[2] = scanned
return found
