-- Reads and sums statistics buckets in one round trip, with a cache of the sums of the buckets that no longer
-- change (past days, weeks and months).
-- KEYS: the bucket hashes to read; the first ARGV[2] of them are the settled ones (the period they count is
--   over), the rest are live (today, this week, this month).
-- ARGV[1]: the cache key for the settled part ('' for no cache); ARGV[2]: how many keys are settled;
--   ARGV[3]: seconds a cache entry is kept; ARGV[3 + i]: the comma-separated slots KEYS[i] is added into (a month
--   bucket can count towards the period's total and towards one series point).
-- The cache entry holds the settled part's sums and a fingerprint: the generation counters
-- (kanyan:stats:gen, bumped by record.lua for every period it counts into) of the settled periods. An event that
-- arrives late for a past day bumps that day's generation, so the entry no longer matches and is rebuilt: the
-- cache can be stale only for as long as it takes to notice, which is never.
-- Returns slot, {field, sum, field, sum, ...}, slot, {...}, ... for every slot that was named, then 'cache',
-- 'hit' | 'miss' | 'none'.
local cacheKey, settled, keep = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])

local function add(acc, order, from, to)
  for i = from, to do
    local flat = redis.call('HGETALL', KEYS[i])
    for slot in string.gmatch(ARGV[3 + i], '[^,]+') do
      local t = acc[slot]
      if not t then
        t = {}
        acc[slot] = t
        order[#order + 1] = slot
      end
      for j = 1, #flat, 2 do
        local f = flat[j]
        t[f] = (t[f] or 0) + tonumber(flat[j + 1])
      end
    end
  end
end

local acc, order, state = {}, {}, 'none'
if cacheKey ~= '' and settled > 0 then
  -- The fingerprint: each settled period's generation, in key order.
  local periods, seen = {}, {}
  for i = 1, settled do
    local p = string.match(KEYS[i], '^kanyan:stats:[^:]+:[^:]+:(.*)$')
    if p and not seen[p] then
      seen[p] = true
      periods[#periods + 1] = p
    end
  end
  local gens = redis.call('HMGET', 'kanyan:stats:gen', unpack(periods))
  for k = 1, #gens do gens[k] = gens[k] or '0' end
  local fingerprint = table.concat(gens, ',')
  local cached = redis.call('HMGET', cacheKey, 'fingerprint', 'sums')
  if cached[1] == fingerprint and cached[2] then
    local saved = cjson.decode(cached[2])
    order = saved.order
    acc = saved.acc
    state = 'hit'
  else
    add(acc, order, 1, settled)
    redis.call('HSET', cacheKey, 'fingerprint', fingerprint, 'sums', cjson.encode({ order = order, acc = acc }))
    state = 'miss'
  end
  redis.call('EXPIRE', cacheKey, keep)
else
  add(acc, order, 1, settled)
end
add(acc, order, settled + 1, #KEYS)

local out = {}
for _, slot in ipairs(order) do
  local flat = {}
  for f, v in pairs(acc[slot]) do
    flat[#flat + 1] = f
    flat[#flat + 1] = tostring(v)
  end
  out[#out + 1] = slot
  out[#out + 1] = flat
end
out[#out + 1] = 'cache'
out[#out + 1] = state
return out
