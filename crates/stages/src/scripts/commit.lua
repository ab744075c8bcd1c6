-- Compare-and-set of a room's stages, seating one viewer with it.
-- KEYS: record, rooms set, seats, beats of the seat's stage
-- ARGV: version, json, room, empty ('1' when no stage is left),
--       viewer ('' for none), stage, now_ms, keep_ms
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if v ~= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'v', v + 1, 'data', ARGV[2])
if ARGV[4] == '1' then
  redis.call('SREM', KEYS[2], ARGV[3])
else
  redis.call('SADD', KEYS[2], ARGV[3])
end
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[5], ARGV[6] .. '|' .. ARGV[7])
  redis.call('ZADD', KEYS[4], ARGV[7], ARGV[5])
  redis.call('PEXPIRE', KEYS[3], ARGV[8])
  redis.call('PEXPIRE', KEYS[4], ARGV[8])
end
return 1
