-- KEYS[1] lease hash, KEYS[2] epoch counter, KEYS[3] set of leased resources;
-- ARGV[1] resource, ARGV[2] node, ARGV[3] token, ARGV[4] now (ms),
-- ARGV[5] ttl (ms), ARGV[6] node key prefix, ARGV[7] epoch counter ttl (ms).
-- Returns {granted, node, token, epoch, started_at, last_heartbeat}.
local cur = redis.call('HMGET', KEYS[1], 'node', 'token', 'epoch', 'started_at', 'last_heartbeat')
if cur[1] and cur[2] ~= ARGV[3] and redis.call('EXISTS', ARGV[6] .. cur[1]) == 1 then
  return {'0', cur[1], cur[2] or '', cur[3] or '0', cur[4] or '0', cur[5] or '0'}
end
-- Seeded from the clock so epochs keep growing even if Redis lost the counter.
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('SET', KEYS[2], ARGV[4])
end
local epoch = tostring(redis.call('INCR', KEYS[2]))
redis.call('PEXPIRE', KEYS[2], ARGV[7])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'node', ARGV[2], 'token', ARGV[3], 'epoch', epoch,
  'started_at', ARGV[4], 'last_heartbeat', ARGV[4], 'status', 'live')
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('SADD', KEYS[3], ARGV[1])
return {'1', ARGV[2], ARGV[3], epoch, ARGV[4], ARGV[4]}
