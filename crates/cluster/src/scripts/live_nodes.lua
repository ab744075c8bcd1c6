-- KEYS[1] set of node ids; ARGV[1] node key prefix. Returns the records of
-- live nodes and drops from the set every id whose record expired.
local live = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local record = redis.call('GET', ARGV[1] .. id)
  if record then
    table.insert(live, record)
  else
    redis.call('SREM', KEYS[1], id)
  end
end
return live
