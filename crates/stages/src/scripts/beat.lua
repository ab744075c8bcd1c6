-- A heartbeat of a seated viewer: its last beat on its stage moves on.
-- A viewer whose beats expired is not revived (it watches again).
-- KEYS: seats
-- ARGV: viewer, now_ms, prefix of the stages' beats keys, keep_ms, since_ms
local seat = redis.call('HGET', KEYS[1], ARGV[1])
if not seat then
  return false
end
local stage = string.match(seat, '^(.-)|')
local beats = ARGV[3] .. stage
local last = redis.call('ZSCORE', beats, ARGV[1])
if not last or tonumber(last) < tonumber(ARGV[5]) then
  return false
end
redis.call('ZADD', beats, 'GT', ARGV[2], ARGV[1])
redis.call('PEXPIRE', beats, ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return stage
