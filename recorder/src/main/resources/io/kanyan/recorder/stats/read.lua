-- Reads a query's statistics buckets in one round trip and reduces them, in Redis, to what the page shows: per
-- slot and scope the counters, the histograms' totals and the histogram buckets that hold their percentiles.
-- A cache keeps the settled part (buckets of past days, weeks and months) summed and reduced.
-- KEYS: the bucket hashes to read, then ARGV[4] nodes (upto.lua's running sums per group). The first ARGV[2]
--   buckets are the settled ones (the period they count is over), the other buckets are live (today, this week,
--   this month).
-- ARGV[1]: the cache key for the settled part ('' for no cache); ARGV[2]: how many keys are settled buckets;
--   ARGV[3]: seconds a cache entry is kept; ARGV[4]: how many nodes end KEYS; ARGV[5]: the settled periods the
--   answer depends on, comma-separated (those of the settled buckets, and those of the days the nodes give);
--   ARGV[5 + i]: for a bucket, the comma-separated '<kind>|<slot>' that KEYS[i] is added into (kind n, duration or
--   wait; a bucket can count towards a series point, the period's total and the groups); for a node, '+' or '-':
--   the settled part of the slot 'groups' is the nodes added and taken away (a later day's running sum minus that
--   of the day before the period; one pair per calendar year).
--   In the slot 'groups' a field is '<inspector or matter>|<metric or edge>', and each of them is a scope of its own;
--   every other slot has one scope, ''.
-- The cache entry (a hash) holds:
--   fingerprint: the generation counters (kanyan:stats:gen, bumped by record.lua for every period it counts into)
--     of the settled periods. An event that arrives late for a past day bumps that day's generation, so the entry
--     no longer matches and is rebuilt: the cache is never stale.
--   reduced: the settled part's figures, as this script returns them (JSON).
--   full:<slot>: the settled part's summed counters and histograms of one slot (MessagePack), kept only for the
--     slots a live bucket adds to (today's point, the period's total, the groups) and read only then; an entry
--     that lacks one a read needs is built again.
-- Returns { JSON {slot: {scope: [its reduced figures, see METRICS below]}}, 'hit' | 'miss' | 'none' (the cache) },
-- or { '', 'stale' } when the entry must be built and a node is missing or not current (nothing was written:
-- StatsQuery builds the nodes with upto.lua, a short call each, and asks again).
local cacheKey, settled, keep = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local nodes = tonumber(ARGV[4])
local buckets = #KEYS - nodes

-- The reduced figures of a scope, in this order: the counters of METRICS, then the number of durations, the
-- buckets (lower edge, seconds) of their nearest-rank median and p90, the number of waits and the bucket of their
-- median; -1 for the bucket of an empty histogram.
local METRICS = { 'created', 'connected', 'concluded', 'cancelled', 'pass', 'fail', 'rectify', 'firstConcluded',
  'firstPass', 'reinspections', 'reinspectionPass' }

-- The specs of each key, parsed once: { {kind, slot}, ... }.
local specs = {}
for i = 1, buckets do
  local list = {}
  for spec in string.gmatch(ARGV[5 + i], '[^,]+') do
    local kind, slot = string.match(spec, '^([^|]+)|(.*)$')
    list[#list + 1] = { kind, slot }
  end
  specs[i] = list
end

-- Adds KEYS[from..to] into state (slot -> scope -> {n = {}, duration = {}, wait = {}}); only into the slots in
-- only, when given. The groups' fields are summed as they are first, then split once each ('<scope>|<field>'):
-- the same fields recur in every bucket.
local function add(state, from, to, only)
  local raw = {}
  for i = from, to do
    local flat
    for _, spec in ipairs(specs[i]) do
      local kind, slot = spec[1], spec[2]
      if not only or only[slot] then
        flat = flat or redis.call('HGETALL', KEYS[i])
        local kinds = raw[slot]
        if not kinds then
          kinds = { n = {}, duration = {}, wait = {} }
          raw[slot] = kinds
        end
        local t = kinds[kind]
        for j = 1, #flat, 2 do
          local f = flat[j]
          t[f] = (t[f] or 0) + tonumber(flat[j + 1])
        end
      end
    end
  end
  for slot, kinds in pairs(raw) do
    local scopes = state[slot]
    if not scopes then
      scopes = {}
      state[slot] = scopes
    end
    local grouped = slot == 'groups'
    for kind, t in pairs(kinds) do
      for f, v in pairs(t) do
        local scope, field = '', f
        if grouped then
          scope, field = string.match(f, '^(.*)|([^|]*)$')
        end
        local s = scopes[scope]
        if not s then
          s = { n = {}, duration = {}, wait = {} }
          scopes[scope] = s
        end
        local h = s[kind]
        h[field] = (h[field] or 0) + v
      end
    end
  end
end

-- The histogram buckets record.lua counts into, in order, named by their lower edge in seconds (its STEPS): walking
-- them is cheaper than sorting each histogram's fields. A histogram with a field not among them (were the buckets
-- ever changed) is sorted instead.
local EDGES, KNOWN = {}, {}
do
  local low = 0
  for _, step in ipairs({ { 600, 30 }, { 1800, 60 }, { 3600, 120 }, { 7200, 300 }, { 14400, 600 }, { 86400, 1800 } }) do
    for e = low, step[1] - 1, step[2] do EDGES[#EDGES + 1] = tostring(e) end
    low = step[1]
  end
  EDGES[#EDGES + 1] = tostring(low)
  for _, e in ipairs(EDGES) do KNOWN[e] = true end
end

-- Appends to out the histogram's total and the buckets of its nearest-rank percentiles qs, ascending (as
-- Tally.edge: rank max(1, ceil(q * n)), the first bucket in edge order whose running count reaches it; -1 when
-- the histogram is empty).
local function percentiles(h, qs, out)
  local n, unknown = 0, false
  for e, c in pairs(h) do
    n = n + c
    if not KNOWN[e] then unknown = true end
  end
  out[#out + 1] = n
  if n == 0 then
    for _ = 1, #qs do out[#out + 1] = -1 end
    return
  end
  local edges = EDGES
  if unknown then
    edges = {}
    for e in pairs(h) do edges[#edges + 1] = tonumber(e) end
    table.sort(edges)
    for k = 1, #edges do edges[k] = tostring(edges[k]) end
  end
  local q, seen = 1, 0
  local rank = math.max(1, math.ceil(qs[1] * n))
  for _, e in ipairs(edges) do
    local c = h[e]
    if c then
      seen = seen + c
      while seen >= rank do
        out[#out + 1] = tonumber(e)
        q = q + 1
        if q > #qs then return end
        rank = math.max(1, math.ceil(qs[q] * n))
      end
    end
  end
end

local function reduce(scopes)
  local out = {}
  for scope, s in pairs(scopes) do
    local v = {}
    for k, metric in ipairs(METRICS) do v[k] = s.n[metric] or 0 end
    percentiles(s.duration, { 0.5, 0.9 }, v)
    percentiles(s.wait, { 0.5 }, v)
    out[scope] = v
  end
  return out
end

-- True when every generation in a node's fingerprint ('<period>=<generation>,…', see upto.lua) is the current one.
local function current(fingerprint)
  local periods, gens = {}, {}
  for p, g in string.gmatch(fingerprint, '([^,=]+)=([^,]*)') do
    periods[#periods + 1] = p
    gens[#gens + 1] = g
  end
  if #periods == 0 then return false end
  local now = redis.call('HMGET', 'kanyan:stats:gen', unpack(periods))
  for k = 1, #periods do
    if (now[k] or '0') ~= gens[k] then return false end
  end
  return true
end

-- The groups' settled sums from the nodes: those marked '+' added, those marked '-' taken away, fields that come to
-- nothing left out (as if summed from the buckets), then each field split once into its group and its metric or
-- edge. Nil when a node is missing or not current.
local function fromNodes()
  local flat = { n = {}, duration = {}, wait = {} }
  for k = 1, nodes do
    local key = KEYS[buckets + k]
    local v = redis.call('HMGET', key, 'fingerprint', 'sums')
    if not v[1] or not v[2] or not current(v[1]) then return nil end
    -- Kept at least as long as a cache entry; a month's end node may have longer (upto.lua).
    if redis.call('TTL', key) < keep then redis.call('EXPIRE', key, keep) end
    local sign = ARGV[5 + buckets + k] == '-' and -1 or 1
    for kind, h in pairs(cmsgpack.unpack(v[2])) do
      local into = flat[kind]
      for f, c in pairs(h) do into[f] = (into[f] or 0) + sign * c end
    end
  end
  local scopes = {}
  for kind, h in pairs(flat) do
    for f, c in pairs(h) do
      if c ~= 0 then
        local scope, field = string.match(f, '^(.*)|([^|]*)$')
        local s = scopes[scope]
        if not s then
          s = { n = {}, duration = {}, wait = {} }
          scopes[scope] = s
        end
        s[kind][field] = c
      end
    end
  end
  return scopes
end

-- The settled part summed into full: the settled buckets, and the groups from the nodes. False when a node is
-- missing or not current.
local function settle(full)
  local groups
  if nodes > 0 then
    groups = fromNodes()
    if not groups then return false end
  end
  add(full, 1, settled)
  full.groups = groups or full.groups
  return true
end

-- The slots a live bucket adds to.
local liveSlots, anyLive = {}, settled < buckets
for i = settled + 1, buckets do
  for _, spec in ipairs(specs[i]) do liveSlots[spec[2]] = true end
end

local reduced, state = nil, 'none'
local full = {}
if cacheKey ~= '' and ARGV[5] ~= '' then
  -- The fingerprint: each settled period's generation, in order.
  local periods = {}
  for p in string.gmatch(ARGV[5], '[^,]+') do periods[#periods + 1] = p end
  local gens = redis.call('HMGET', 'kanyan:stats:gen', unpack(periods))
  for k = 1, #gens do gens[k] = gens[k] or '0' end
  local fingerprint = table.concat(gens, ',')
  local cached = redis.call('HMGET', cacheKey, 'fingerprint', 'reduced')
  if cached[1] == fingerprint and cached[2] then
    if not anyLive then
      redis.call('EXPIRE', cacheKey, keep)
      return { cached[2], 'hit' }
    end
    -- The sums of the slots a live bucket adds to; an entry built without one of them is built again.
    local names, order = {}, {}
    for slot in pairs(liveSlots) do
      names[#names + 1] = 'full:' .. slot
      order[#order + 1] = slot
    end
    local saved = redis.call('HMGET', cacheKey, unpack(names))
    local complete = true
    for k = 1, #order do
      if not saved[k] then complete = false end
    end
    if complete then
      state = 'hit'
      redis.call('EXPIRE', cacheKey, keep)
      reduced = cjson.decode(cached[2])
      for k = 1, #order do full[order[k]] = cmsgpack.unpack(saved[k]) end
    end
  end
  if state ~= 'hit' then
    if not settle(full) then return { '', 'stale' } end
    state = 'miss'
    reduced = {}
    for slot, scopes in pairs(full) do reduced[slot] = reduce(scopes) end
    local entry = { 'fingerprint', fingerprint, 'reduced', cjson.encode(reduced) }
    for slot in pairs(liveSlots) do
      entry[#entry + 1] = 'full:' .. slot
      entry[#entry + 1] = cmsgpack.pack(full[slot] or {})
    end
    redis.call('DEL', cacheKey)
    redis.call('HSET', cacheKey, unpack(entry))
    redis.call('EXPIRE', cacheKey, keep)
  end
else
  if not settle(full) then return { '', 'stale' } end
  reduced = {}
  for slot, scopes in pairs(full) do reduced[slot] = reduce(scopes) end
end

-- The live buckets on top of the settled sums of the slots they add to.
if anyLive then
  add(full, settled + 1, buckets, liveSlots)
  for slot in pairs(liveSlots) do
    reduced[slot] = reduce(full[slot] or {})
  end
end
return { cjson.encode(reduced), state }
