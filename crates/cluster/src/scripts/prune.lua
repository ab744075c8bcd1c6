-- KEYS[1] set of leased resources; ARGV[1] lease key head, ARGV[2] lease
-- key tail (the lease of resource R is head .. R .. tail), ARGV[3..] the
-- resources to look at. Drops from the set each one whose lease is gone;
-- returns how many it dropped.
local dropped = 0
for i = 3, #ARGV do
  if redis.call('EXISTS', ARGV[1] .. ARGV[i] .. ARGV[2]) == 0 then
    dropped = dropped + redis.call('SREM', KEYS[1], ARGV[i])
  end
end
return dropped
