-- Fenced layout (see fence.lua). 1 renewed, 0 fenced.
if fence() == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'last_heartbeat', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('SADD', KEYS[3], ARGV[1])
return 1
