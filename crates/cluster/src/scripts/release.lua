-- KEYS[1] lease hash, KEYS[2] set of leased resources; ARGV[1] resource,
-- ARGV[2] node, ARGV[3] epoch. Compare-and-delete: 1 released, 0 fenced.
-- A lease found gone (expired) leaves the set too.
local cur = redis.call('HMGET', KEYS[1], 'node', 'epoch')
if cur[1] == ARGV[2] and cur[2] == ARGV[3] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[1])
  return 1
end
if not cur[1] then
  redis.call('SREM', KEYS[2], ARGV[1])
end
return 0
