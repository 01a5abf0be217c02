-- gcra: one generic-cell-rate-algorithm decision with burst, atomic (one EVALSHA).
-- KEYS[1]  the theoretical arrival time (TAT) in microseconds of Redis TIME.
-- ARGV     interval_us (emission interval, computed and validated by the caller), burst
--          (requests admitted at once from a full bucket), hits.
-- Rule     tat = max(stored, now); new_tat = tat + hits*interval; admitted iff
--          new_tat - burst*interval <= now. hits > burst can never conform.
-- Writes   new_tat only when admitted with hits > 0, with PX = time until the bucket is
--          full again (new_tat - now), so an idle key disappears exactly when it is moot.
-- Returns  {allowed 0/1, remaining, retry_after_ms (-1: never), reset_after_ms}.
-- Same formulas as bw::counters::decide_gcra (math.hpp); tests check they agree.
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local hits = tonumber(ARGV[3])

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then
  tat = now
end

local function ceil_ms(us)
  return math.ceil(us / 1000)
end
local function capacity_left(at)
  local free_us = now - (at - burst * interval)
  if free_us < 0 then
    return 0
  end
  return math.floor(free_us / interval)
end

if hits > burst then
  return {0, capacity_left(tat), -1, ceil_ms(tat - now)}
end
local new_tat = tat + hits * interval
local conform_at = new_tat - burst * interval
if conform_at > now then
  return {0, capacity_left(tat), ceil_ms(conform_at - now), ceil_ms(tat - now)}
end
if hits > 0 then
  redis.call('SET', KEYS[1], string.format('%d', new_tat),
             'PX', string.format('%d', ceil_ms(new_tat - now)))
end
return {1, capacity_left(new_tat), 0, ceil_ms(new_tat - now)}
