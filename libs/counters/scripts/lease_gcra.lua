-- lease_gcra: take or give back quota-lease tokens on a GCRA bucket, atomic.
-- KEYS[1]  the theoretical arrival time (µs of Redis TIME): the very key of gcra.lua, so
--          leases and single decisions share one bucket.
-- KEYS[2]  the lease record "<granted>", in the same hash slot.
-- ARGV     'take', interval_us, burst, requested, ttl_ms
--          'return', interval_us, unspent
-- take     grants g = min(requested, cells free now), 0 when none is; with g > 0 the TAT
--          moves by g·interval (PX until the bucket is full again) and the record is
--          written with PX ttl_ms. Returns {granted, remaining, ms, valid_ms}: ms is the
--          wait until one cell is free when nothing was granted, else the time until the
--          bucket is full again; valid_ms is 0 when nothing was granted.
-- return   while the record exists (valid, not returned before): deletes it and moves the
--          TAT back by min(unspent, granted)·interval, never before now (an idle bucket
--          is simply full). Returns {credited}; a second return credits 0.
local op = ARGV[1]
local interval = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then
  tat = now
end

local function ceil_ms(us)
  return math.ceil(us / 1000)
end

if op == 'take' then
  local burst = tonumber(ARGV[3])
  local requested = tonumber(ARGV[4])
  local ttl_ms = tonumber(ARGV[5])
  local free = math.floor((now - (tat - burst * interval)) / interval)
  if free < 0 then
    free = 0
  end
  local granted = free
  if granted > requested then
    granted = requested
  end
  if granted <= 0 then
    return {0, 0, ceil_ms(tat + interval - burst * interval - now), 0}
  end
  local new_tat = tat + granted * interval
  redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', string.format('%d', ceil_ms(new_tat - now)))
  redis.call('SET', KEYS[2], string.format('%d', granted), 'PX', string.format('%d', ttl_ms))
  return {granted, free - granted, ceil_ms(new_tat - now), ttl_ms}
end

if op == 'return' then
  local unspent = tonumber(ARGV[3])
  local granted = tonumber(redis.call('GET', KEYS[2]))
  if not granted then
    return {0}
  end
  redis.call('DEL', KEYS[2])
  local credit = unspent
  if credit > granted then
    credit = granted
  end
  if credit <= 0 then
    return {0}
  end
  local new_tat = tat - credit * interval
  if new_tat <= now then
    redis.call('DEL', KEYS[1])
  else
    redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', string.format('%d', ceil_ms(new_tat - now)))
  end
  return {credit}
end

return redis.error_reply('ERR lease_gcra: unknown operation')
