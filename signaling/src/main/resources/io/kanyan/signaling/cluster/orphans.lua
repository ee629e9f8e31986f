-- The calls in the owners hash (KEYS[1]) whose lease has expired: their owner died or stopped renewing.
-- The lease keys follow CallLeases.leaseKey: kanyan:call:{<id>}:lease.
local all = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #all, 2 do
  if redis.call('EXISTS', 'kanyan:call:{' .. all[i] .. '}:lease') == 0 then
    table.insert(out, all[i])
  end
end
return out
