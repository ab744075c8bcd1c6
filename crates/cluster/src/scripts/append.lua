-- Fenced layout (see fence.lua) plus KEYS[4] the room's event stream;
-- ARGV[8] seq, ARGV[9] payload, ARGV[10] approximate max length,
-- ARGV[11] how long the stream lives after this write (ms).
-- The entry id, or false if the writer's epoch is fenced.
if fence() == 0 then
  return false
end
local id = redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[10], '*',
  'seq', ARGV[8], 'epoch', ARGV[4], 'data', ARGV[9])
redis.call('PEXPIRE', KEYS[4], ARGV[11])
return id
