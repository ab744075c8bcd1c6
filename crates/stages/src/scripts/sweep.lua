-- Unseats a stage's viewers whose last beat is before a moment (or all),
-- returning viewer, started_ms, last_ms for each one unseated here.
-- KEYS: the stage's beats, seats
-- ARGV: the upper bound ('(' .. ms, or '+inf'), stage
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES')
local out = {}
for i = 1, #gone, 2 do
  local viewer = gone[i]
  redis.call('ZREM', KEYS[1], viewer)
  local seat = redis.call('HGET', KEYS[2], viewer)
  if seat then
    local stage, started = string.match(seat, '^(.-)|(.*)$')
    if stage == ARGV[2] then
      redis.call('HDEL', KEYS[2], viewer)
      table.insert(out, viewer)
      table.insert(out, started)
      table.insert(out, gone[i + 1])
    end
  end
end
return out
