-- Token bucket: refill KEYS[1] for the time since its last use, then take one token if
-- there is one. Runs atomically inside Redis, on Redis's clock, so every application
-- instance sharing the bucket sees the same state.
-- ARGV[1]: capacity (the policy's quota); ARGV[2]: refill rate in tokens per second.
-- Returns {1 if admitted else 0, tokens left as a string}.
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000

local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(bucket[1]) or capacity
local updated = tonumber(bucket[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - updated) * rate)

local admitted = 0
if tokens >= 1 then
  tokens = tokens - 1
  admitted = 1
end

-- A bucket left alone until it is full again is the same as no bucket at all.
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((capacity - tokens) / rate * 1000)))
return {admitted, tostring(tokens)}
