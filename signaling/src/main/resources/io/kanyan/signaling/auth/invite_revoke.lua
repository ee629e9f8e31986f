-- Revokes an inspection's current invite, in one step: whatever invite is current when this runs is the one
-- deleted, so a re-issue running at the same moment (another request, another event loop or node) cannot leave an
-- invite that still works but that no pointer names any more.
-- KEYS[1] the pointer kanyan:invite-of:<id>, KEYS[2] the pointer's old name kanyan:case:<id>:invite
-- Returns the digests of the invites deleted (their connections are then closed).
local revoked = {}
for i = 1, 2 do
  local digest = redis.call('GET', KEYS[i])
  if digest then
    redis.call('DEL', 'kanyan:invite:' .. digest)
    table.insert(revoked, digest)
  end
end
redis.call('DEL', KEYS[1], KEYS[2])
return revoked
