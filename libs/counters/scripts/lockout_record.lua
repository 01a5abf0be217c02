-- lockout_record: count one failure (or one attempt) and ban at the threshold, atomic.
-- KEYS[1]  failures counter; KEYS[2] ban marker. Both share the caller's hash tag.
-- ARGV     threshold, window_ms (failures are counted from the first one for this long),
--          ban_ms.
-- Rule     while a ban exists nothing is counted. Otherwise INCR; the failure that reaches
--          the threshold sets the ban and makes the counter expire with it, so after the
--          ban the count starts afresh. Parallel calls serialise in Redis, so at most
--          `threshold` calls are ever recorded before the ban applies.
-- Writes   every key gets a TTL: the counter window_ms from its first failure (or ban_ms
--          once banned), the ban ban_ms.
-- Returns  {locked 0/1, recorded 0/1, failures, retry_after_ms (-1: ban without TTL)}.
local threshold = tonumber(ARGV[1])

local ban_ttl = redis.call('PTTL', KEYS[2])
if ban_ttl ~= -2 then
  return {1, 0, tonumber(redis.call('GET', KEYS[1])) or 0, ban_ttl}
end

local failures = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if failures >= threshold then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {1, 1, failures, tonumber(ARGV[3])}
end
return {0, 1, failures, 0}
