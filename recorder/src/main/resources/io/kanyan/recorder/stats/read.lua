-- Reads and sums statistics buckets in one round trip.
-- KEYS: the bucket hashes to read. ARGV[i]: the comma-separated slots KEYS[i] is added into (a month bucket
-- can count towards the period's total and towards one series point).
-- Returns slot, {field, sum, field, sum, ...}, slot, {...}, ... for every slot that was named.
local acc, order = {}, {}
for i, key in ipairs(KEYS) do
  local flat = redis.call('HGETALL', key)
  for slot in string.gmatch(ARGV[i], '[^,]+') do
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
return out
