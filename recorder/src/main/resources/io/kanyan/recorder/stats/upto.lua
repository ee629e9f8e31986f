-- Keeps one running sum of the statistics per inspector or per matter type: a year's buckets from 1 January up to
-- a day, summed per group (a "node", kanyan:stats:upto:<i|m>:<yyyy-mm-dd>). A node is its base node (an earlier
-- node of the year; none for the year's first) plus a month, an ISO week or a run of days within one (see
-- Nodes.chain), so each call reads about a month's fields at most and one node: Redis is never held for the whole
-- year at once. read.lua takes a period's groups as the difference of two nodes (StatsQuery).
-- KEYS[1]: the node; KEYS[2]: its base node (KEYS[1] again when it has none); then, per bucket added, its n,
--   duration and wait hashes of the node's dimension.
-- ARGV[1]: the buckets' periods (d:…, w:…, m:…), comma-separated, in the order of KEYS; ARGV[2]: seconds the node
--   is kept after its last use (longer for a month's end, which every later node of the year is built on); a use
--   never shortens a node's time to live; ARGV[3]: '1' when the node has a base.
-- A node (a hash) holds:
--   fingerprint: '<period>=<generation>,…' for every bucket summed in it, in order (kanyan:stats:gen, bumped by
--     record.lua for every period it counts into). A node whose generations moved (an event that arrived late) is
--     rebuilt; one used by read.lua is checked the same way, so a node is never read stale.
--   sums: MessagePack (cmsgpack: about 40 % smaller than JSON and several times quicker to read and write here),
--     { n = {field: count}, duration = {field: count}, wait = {field: count} } with the buckets' own fields
--     ('<inspector or matter>|<metric or edge>'), summed as they are: read.lua splits them once, after the
--     difference.
-- Returns 'hit' (the node is current), 'built', or 'stale' (the base node is missing or not current: build it
-- first).
local node, base, keep, hasBase = KEYS[1], KEYS[2], tonumber(ARGV[2]), ARGV[3] == '1'

-- True when every generation in a fingerprint is still the current one.
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

-- Keeps a key at least `seconds` more (never less than it has).
local function touch(key, seconds)
  if redis.call('TTL', key) < seconds then redis.call('EXPIRE', key, seconds) end
end

local existing = redis.call('HGET', node, 'fingerprint')
if existing and current(existing) then
  touch(node, keep)
  return 'hit'
end

local sums, prefix = { n = {}, duration = {}, wait = {} }, ''
if hasBase then
  local b = redis.call('HMGET', base, 'fingerprint', 'sums')
  if not b[1] or not b[2] or not current(b[1]) then return 'stale' end
  sums = cmsgpack.unpack(b[2])
  prefix = b[1] .. ','
  touch(base, keep)
end

local added = {}
local b = 0
for period in string.gmatch(ARGV[1], '[^,]+') do
  for k, kind in ipairs({ 'n', 'duration', 'wait' }) do
    local flat = redis.call('HGETALL', KEYS[2 + 3 * b + k])
    local t = sums[kind]
    for j = 1, #flat, 2 do
      local f = flat[j]
      t[f] = (t[f] or 0) + tonumber(flat[j + 1])
    end
  end
  added[#added + 1] = period .. '=' .. (redis.call('HGET', 'kanyan:stats:gen', period) or '0')
  b = b + 1
end

redis.call('DEL', node)
redis.call('HSET', node, 'fingerprint', prefix .. table.concat(added, ','), 'sums', cmsgpack.pack(sums))
redis.call('EXPIRE', node, keep)
return 'built'
