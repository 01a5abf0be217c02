-- lease_window: take or give back quota-lease tokens on a fixed-window counter, atomic.
-- KEYS[1]  the counter hash {w = window start (s), n = hits counted}: the very key and
--          layout of fixed_window.lua, so leases and single decisions share one budget.
-- KEYS[2]  the lease record "<window start>:<granted>", in the same hash slot.
-- ARGV     'take', limit, unit_seconds, requested, ttl_ms
--          'return', unit_seconds, unspent
-- Clock    Redis TIME only; windows aligned to multiples of unit_seconds as fixed_window.
-- take     grants g = min(requested, limit - counted), 0 when the window is spent. With
--          g > 0 the counter grows by g (PEXPIRE to the window's end) and the record is
--          written with PX = the lease's validity = min(ttl_ms, ms to the window's end),
--          so a lease never outlives the window its tokens were counted in.
--          Returns {granted, remaining, ms (until the window resets), valid_ms (0 if none)}.
-- return   credits min(unspent, granted) back, but only while the record exists (the
--          lease is still valid and was not returned before) and its window is the
--          current one; the record is deleted in any case, so a second return credits 0.
--          Returns {credited}.
local op = ARGV[1]
local time = redis.call('TIME')
local now_s = tonumber(time[1])
local now_us = now_s * 1000000 + tonumber(time[2])

if op == 'take' then
  local limit = tonumber(ARGV[2])
  local unit = tonumber(ARGV[3])
  local requested = tonumber(ARGV[4])
  local ttl_ms = tonumber(ARGV[5])
  local start = now_s - (now_s % unit)
  local reset_ms = math.ceil(((start + unit) * 1000000 - now_us) / 1000)
  local stored = redis.call('HMGET', KEYS[1], 'w', 'n')
  local count = 0
  if tonumber(stored[1]) == start then
    count = tonumber(stored[2]) or 0
  end
  local granted = limit - count
  if granted > requested then
    granted = requested
  end
  if granted <= 0 then
    return {0, 0, reset_ms, 0}
  end
  local valid_ms = reset_ms
  if ttl_ms < valid_ms then
    valid_ms = ttl_ms
  end
  redis.call('HSET', KEYS[1], 'w', string.format('%d', start), 'n', string.format('%d', count + granted))
  redis.call('PEXPIRE', KEYS[1], string.format('%d', reset_ms))
  redis.call('SET', KEYS[2], string.format('%d:%d', start, granted), 'PX', string.format('%d', valid_ms))
  return {granted, limit - count - granted, reset_ms, valid_ms}
end

if op == 'return' then
  local unit = tonumber(ARGV[2])
  local unspent = tonumber(ARGV[3])
  local record = redis.call('GET', KEYS[2])
  if not record then
    return {0}
  end
  redis.call('DEL', KEYS[2])
  local lease_start, granted = string.match(record, '^(%d+):(%d+)$')
  lease_start = tonumber(lease_start)
  granted = tonumber(granted)
  if not lease_start or not granted then
    return {0}
  end
  if lease_start ~= now_s - (now_s % unit) then
    return {0}
  end
  local stored = redis.call('HMGET', KEYS[1], 'w', 'n')
  if tonumber(stored[1]) ~= lease_start then
    return {0}
  end
  local count = tonumber(stored[2]) or 0
  local credit = unspent
  if credit > granted then
    credit = granted
  end
  if credit > count then
    credit = count
  end
  if credit > 0 then
    redis.call('HSET', KEYS[1], 'n', string.format('%d', count - credit))
  end
  return {credit}
end

return redis.error_reply('ERR lease_window: unknown operation')
