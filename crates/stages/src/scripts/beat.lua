-- A heartbeat of a seated viewer: its last beat on its stage moves on.
-- KEYS: seats
-- ARGV: viewer, now_ms, prefix of the stages' beats keys, keep_ms
local seat = redis.call('HGET', KEYS[1], ARGV[1])
if not seat then
  return false
end
local stage = string.match(seat, '^(.-)|')
local beats = ARGV[3] .. stage
redis.call('ZADD', beats, 'GT', ARGV[2], ARGV[1])
redis.call('PEXPIRE', beats, ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return stage
