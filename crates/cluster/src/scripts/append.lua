-- Fenced layout (see fence.lua) plus KEYS[4] the room's event stream;
-- ARGV[7] seq, ARGV[8] payload, ARGV[9] approximate max length.
-- The entry id, or false if the writer's epoch is fenced.
if fence() == 0 then
  return false
end
return redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[9], '*',
  'seq', ARGV[7], 'epoch', ARGV[4], 'data', ARGV[8])
