-- Counts one trail event into the statistics' per-day and per-month buckets, once.
-- KEYS[1]: the inspection's stats hash (kanyan:stats:case:<id>).
-- ARGV[1] kind (created | booked | connected | ended), ARGV[2] event time (epoch ms), ARGV[3] day (yyyy-mm-dd),
-- ARGV[4] the Monday of its ISO week (yyyy-mm-dd), ARGV[5] month (yyyy-mm), ARGV[6] seconds a closed
-- inspection's hash is kept.
-- created: ARGV[7] inspector, ARGV[8] matter code, ARGV[9] re-inspection of ('' for a first inspection),
--          ARGV[10] inspector's display name, ARGV[11] matter name.
-- ended:   ARGV[7] outcome (pass | fail | rectify | cancelled).
-- Returns 1 when counted, 0 when already counted (a replayed append, a second backfill), -1 for an
-- inspection the statistics never saw created (older than the counters and not backfilled).
local case = KEYS[1]
local kind = ARGV[1]
local t = tonumber(ARGV[2])
local periods = { 'd:' .. ARGV[3], 'w:' .. ARGV[4], 'm:' .. ARGV[5] }
local keep = tonumber(ARGV[6])
local P = 'kanyan:stats:'
-- Histogram buckets widen with the value: {below this many seconds, buckets this wide}. A bucket is named by
-- its lower edge in seconds; everything from 24 hours on is one bucket.
local STEPS = { { 600, 30 }, { 1800, 60 }, { 3600, 120 }, { 7200, 300 }, { 14400, 600 }, { 86400, 1800 } }

local function edge(ms)
  local s = math.floor(math.max(0, ms) / 1000)
  local low = 0
  for _, step in ipairs(STEPS) do
    if s < step[1] then return s - (s - low) % step[2] end
    low = step[1]
  end
  return low
end

local function count(metric, i, m)
  for _, p in ipairs(periods) do
    redis.call('HINCRBY', P .. 'n:all:' .. p, metric, 1)
    redis.call('HINCRBY', P .. 'n:i:' .. p, i .. '|' .. metric, 1)
    redis.call('HINCRBY', P .. 'n:m:' .. p, m .. '|' .. metric, 1)
  end
end

local function histogram(name, ms, i, m)
  local b = edge(ms)
  for _, p in ipairs(periods) do
    redis.call('HINCRBY', P .. name .. ':all:' .. p, tostring(b), 1)
    redis.call('HINCRBY', P .. name .. ':i:' .. p, i .. '|' .. b, 1)
    redis.call('HINCRBY', P .. name .. ':m:' .. p, m .. '|' .. b, 1)
  end
end

if kind == 'created' then
  if redis.call('HSETNX', case, 'created', t) == 0 then return 0 end
  local i, m = ARGV[7], ARGV[8]
  -- waitFrom: where the wait before the call starts. Creation, until a booking moves it to the booking's time.
  redis.call('HSET', case, 'inspector', i, 'matter', m, 'waitFrom', t)
  if ARGV[9] ~= '' then redis.call('HSET', case, 'reinspectionOf', ARGV[9]) end
  redis.call('HSET', P .. 'labels:i', i, ARGV[10])
  redis.call('HSET', P .. 'labels:m', m, ARGV[11])
  count('created', i, m)
  if ARGV[9] ~= '' then count('reinspections', i, m) end
  return 1
end

local i = redis.call('HGET', case, 'inspector')
if not i then return -1 end
local m = redis.call('HGET', case, 'matter')

if kind == 'booked' then
  -- The wait before the call starts at the first booking (a move keeps it): the median wait is then the wait from
  -- booking to inspection. A booking after the call connected changes nothing.
  if redis.call('HEXISTS', case, 'connected') == 1 then return 0 end
  if redis.call('HSETNX', case, 'booked', t) == 0 then return 0 end
  redis.call('HSET', case, 'waitFrom', t)
  return 1
end

if kind == 'connected' then
  if redis.call('HSETNX', case, 'connected', t) == 0 then return 0 end
  count('connected', i, m)
  histogram('wait', t - tonumber(redis.call('HGET', case, 'waitFrom')), i, m)
  return 1
end

if kind == 'ended' then
  if redis.call('HSETNX', case, 'ended', t) == 0 then return 0 end
  local outcome = ARGV[7]
  if outcome == 'cancelled' then
    count('cancelled', i, m)
  else
    count('concluded', i, m)
    count(outcome, i, m)
    if redis.call('HEXISTS', case, 'reinspectionOf') == 0 then
      count('firstConcluded', i, m)
      if outcome == 'pass' then count('firstPass', i, m) end
    elseif outcome == 'pass' then
      count('reinspectionPass', i, m)
    end
    local connected = redis.call('HGET', case, 'connected')
    if connected then histogram('duration', t - tonumber(connected), i, m) end
  end
  -- Kept a while so a replayed end is still recognised, then let go: the buckets hold the figures.
  redis.call('EXPIRE', case, keep)
  return 1
end
return redis.error_reply('unknown statistics event kind: ' .. kind)
