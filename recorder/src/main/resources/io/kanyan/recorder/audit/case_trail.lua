-- The trail events that carry an inspection's case facts, for a page of inspections in one round trip
-- (see recorder/TRAIL.md, section 7): the first event (inspection.created) and the events stored under the
-- fixed ids 'call.connected' and 'inspection.ended'.
-- KEYS: for each inspection, its stream then its ids hash. Returns, per inspection, {first, connected,
-- ended}, each the entry's flat field/value list, or an empty list when there is none.
local function entry(stream, id)
  if not id then
    return {}
  end
  local found = redis.call('XRANGE', stream, id, id)
  if found[1] then
    return found[1][2]
  end
  return {}
end
local out = {}
for i = 1, #KEYS, 2 do
  local stream, ids = KEYS[i], KEYS[i + 1]
  local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
  local firstFields = {}
  if first[1] then
    firstFields = first[1][2]
  end
  out[#out + 1] = {firstFields,
    entry(stream, redis.call('HGET', ids, 'call.connected')),
    entry(stream, redis.call('HGET', ids, 'inspection.ended'))}
end
return out
