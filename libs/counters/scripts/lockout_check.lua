-- lockout_check: read a lockout's state in one consistent step; writes nothing.
-- KEYS[1]  failures counter; KEYS[2] ban marker (as lockout_record.lua).
-- Returns  {locked 0/1, recorded 0, failures, retry_after_ms (-1: ban without TTL)}.
local ban_ttl = redis.call('PTTL', KEYS[2])
local failures = tonumber(redis.call('GET', KEYS[1])) or 0
if ban_ttl == -2 then
  return {0, 0, failures, 0}
end
return {1, 0, failures, ban_ttl}
