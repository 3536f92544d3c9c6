/**
 * Lua scripts of the Redis lease semaphore. One sorted set per namespace; each member is a lease id,
 * its score the time (ms, Redis server clock) at which the lease expires unless refreshed. Time comes
 * from Redis `TIME`, never from the clients, so hosts with skewed clocks cannot expire each other's
 * leases early. The key itself expires once every lease in it would have.
 */

/** Redis 3.2–4 need this before writing after `TIME`; Redis 5+ replicate effects anyway. */
const PRELUDE = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function keepKeyFor(ms)
  if redis.call('PTTL', KEYS[1]) < ms then redis.call('PEXPIRE', KEYS[1], ms) end
end
`;

/**
 * KEYS[1] = set, ARGV = limit, lease id, lease ms. Drops expired leases, then adds this one if fewer
 * than `limit` are live (or renews it if this id already holds one). Returns 1 when held, else 0.
 */
export const ACQUIRE_SCRIPT = `${PRELUDE}
local limit = tonumber(ARGV[1])
local lease = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[2]) or redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[2])
  keepKeyFor(lease)
  return 1
end
return 0
`;

/** KEYS[1] = set, ARGV = lease id, lease ms. Extends a live lease; returns 0 when it has expired. */
export const REFRESH_SCRIPT = `${PRELUDE}
local lease = tonumber(ARGV[2])
local expires = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expires then return 0 end
if tonumber(expires) <= now then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[1])
keepKeyFor(lease)
return 1
`;

/** KEYS[1] = set, ARGV = lease id. Removes the lease, and the set when it is empty. Returns 1 if it was there. */
export const RELEASE_SCRIPT = `
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1]) end
return removed
`;
