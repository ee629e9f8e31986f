-- Finds case ids in every given index (sorted sets scored by created ms), newest first, within a time
-- range, with paging. Walks the smallest index by rank from the newest entry in range, in chunks, and
-- keeps the ids that are in all the other indexes (ZMSCORE: one call per chunk and index, smallest
-- index first), stopping as soon as the page is full (or after ARGV[5] entries: a guard).
-- KEYS: the index keys. ARGV[1] min score, ARGV[2] max score, ARGV[3] offset, ARGV[4] limit, ARGV[5] budget.
-- Returns {more (0/1), scanned, id...}.
local min, max = ARGV[1], ARGV[2]
local offset, limit, budget = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local counts = {}
local walk = nil
for i = 1, #KEYS do
  counts[i] = redis.call('ZCOUNT', KEYS[i], min, max)
  if counts[i] == 0 then
    return {0, 0}
  end
  if walk == nil or counts[i] < counts[walk] then
    walk = i
  end
end
-- The other indexes, most selective first, so later ZMSCOREs get fewer ids.
local others = {}
for i = 1, #KEYS do
  if i ~= walk then
    others[#others + 1] = i
  end
end
table.sort(others, function(a, b) return counts[a] < counts[b] end)
-- In REV order, the newest entry within range has rank = number of entries newer than max.
local first = 0
if max ~= '+inf' then
  first = redis.call('ZCOUNT', KEYS[walk], '(' .. max, '+inf')
end
local last = first + counts[walk] - 1
local found, skipped, scanned = {0, 0}, 0, 0
local chunk = math.min(offset + limit + 1, 100)
local rank = first
while rank <= last do
  local ids = redis.call('ZRANGE', KEYS[walk], rank, math.min(rank + chunk - 1, last), 'REV')
  scanned = scanned + #ids
  rank = rank + chunk
  for _, k in ipairs(others) do
    if #ids == 0 then
      break
    end
    local scores = redis.call('ZMSCORE', KEYS[k], unpack(ids))
    local kept = {}
    for j = 1, #ids do
      if scores[j] then
        kept[#kept + 1] = ids[j]
      end
    end
    ids = kept
  end
  for _, id in ipairs(ids) do
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
  if scanned >= budget then
    found[1] = 1
    found[2] = scanned
    return found
  end
  chunk = math.min(chunk * 2, 2000)
end
found[2] = scanned
return found
