-- KEYS[1] the room's command stream, KEYS[2] the request id marker;
-- ARGV[1] request id, ARGV[2] payload, ARGV[3] marker ttl (ms),
-- ARGV[4] approximate max length, ARGV[5] how long the stream lives after
-- this write (ms). 1 queued, 0 already queued.
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[3]) then
  return 0
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'request', ARGV[1], 'data', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
