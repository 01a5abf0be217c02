-- fixed_window: one fixed-window rate-limit decision, atomic (one EVALSHA).
-- KEYS[1]  the counter: a hash {w = window start in seconds, n = hits counted in it}.
--          One declared key, so Redis Cluster routes the call by it (no key is built here).
-- ARGV     limit, unit_seconds, hits, count_denied (1: count denied hits as Envoy does).
-- Clock    Redis TIME only; windows are aligned to multiples of unit_seconds.
-- Writes   only when the count changes, and always with PEXPIRE to the window's end.
-- Returns  {allowed 0/1, current count, remaining, ms until the window resets}.
-- Same formulas as bw::counters::decide_fixed_window (math.hpp); tests check they agree.
local limit = tonumber(ARGV[1])
local unit = tonumber(ARGV[2])
local hits = tonumber(ARGV[3])
local count_denied = ARGV[4] == '1'

local time = redis.call('TIME')
local now_s = tonumber(time[1])
local now_us = now_s * 1000000 + tonumber(time[2])
local start = now_s - (now_s % unit)
local reset_ms = math.ceil(((start + unit) * 1000000 - now_us) / 1000)

local stored = redis.call('HMGET', KEYS[1], 'w', 'n')
local count = 0
if tonumber(stored[1]) == start then
  count = tonumber(stored[2]) or 0
end

local allowed = count + hits <= limit
local current = count
if allowed or count_denied then
  current = count + hits
end
if current ~= count then
  redis.call('HSET', KEYS[1], 'w', string.format('%d', start), 'n', string.format('%d', current))
  redis.call('PEXPIRE', KEYS[1], string.format('%d', reset_ms))
end

local remaining = limit - current
if remaining < 0 then
  remaining = 0
end
return {allowed and 1 or 0, current, remaining, reset_ms}
