-- Fenced layout (see fence.lua) plus KEYS[4] the room's command stream;
-- ARGV[8] the applied entry id. 1 deleted, 0 fenced.
if fence() == 0 then
  return 0
end
redis.call('XDEL', KEYS[4], ARGV[8])
return 1
