-- Shared by every fenced script. KEYS[1] lease hash, KEYS[2] epoch counter,
-- KEYS[3] set of leased resources; ARGV[1] resource, ARGV[2] node,
-- ARGV[3] token, ARGV[4] epoch, ARGV[5] now (ms), ARGV[6] ttl (ms),
-- ARGV[7] epoch counter ttl (ms).
-- 1 if (node, epoch) holds the lease; a vanished lease is re-created by its
-- holder unless a later epoch was handed out since; a lease gone for good
-- (a later epoch came and went) leaves the set.
local function fence()
  local cur = redis.call('HMGET', KEYS[1], 'node', 'epoch')
  if cur[1] then
    if cur[1] == ARGV[2] and cur[2] == ARGV[4] then
      return 1
    end
    return 0
  end
  local counter = tonumber(redis.call('GET', KEYS[2]) or '0')
  if counter > tonumber(ARGV[4]) then
    redis.call('SREM', KEYS[3], ARGV[1])
    return 0
  end
  redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[7])
  redis.call('HSET', KEYS[1], 'node', ARGV[2], 'token', ARGV[3], 'epoch', ARGV[4],
    'started_at', ARGV[5], 'last_heartbeat', ARGV[5], 'status', 'live')
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  redis.call('SADD', KEYS[3], ARGV[1])
  return 1
end
