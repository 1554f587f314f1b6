import type { RedisConnection } from './scripts.js';

// Presence in Redis, per topic (hash-tagged like the topic's other keys, so one script reaches
// them all in Redis Cluster):
//   members  hash  sid -> "<userKey>\n<client>\n<member JSON>"
//   users    hash  userKey -> members of that user (HLEN is the user count, no transfer)
//   clients  hash  client instance -> sid (finds the member a reconnecting client replaces)
// and per broker prefix, for crash cleanup without a write per member:
//   hubs     zset  hub id -> expiry (Redis time, ms), refreshed by each hub on an interval
//   hub set  set   "<topic>\n<sid>" of each member the hub added
//   gone     string tombstone of a hub whose members were removed, so a hub that comes back
//            after a stall knows the others saw its members leave
// join and leave travel on the topic's message channel as "!j<JSON>" / "!l<JSON>": offsets
// never start with "!", so the topic feed never sees them and no offset is consumed.

/**
 * Adds a member unless present. A member of the same client instance and user is replaced (no
 * leave). Publishes the join when ARGV[6] is '1' (not when re-announcing after Redis lost data).
 *
 * KEYS: members, users, clients
 * ARGV: sid, userKey, client ('' for none), member JSON, channel, publish ('1'|'0'), sharded ('1'|'0')
 * Returns 1 when added, 0 when the member was there already.
 */
const JOIN_LUA = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
local replaced
if ARGV[3] ~= '' then
  local old = redis.call('HGET', KEYS[3], ARGV[3])
  if old and old ~= ARGV[1] then
    local v = redis.call('HGET', KEYS[1], old)
    if v and string.sub(v, 1, string.find(v, '\\n', 1, true) - 1) == ARGV[2] then
      redis.call('HDEL', KEYS[1], old)
      replaced = old
    end
  end
  redis.call('HSET', KEYS[3], ARGV[3], ARGV[1])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '\\n' .. ARGV[3] .. '\\n' .. ARGV[4])
if not replaced then redis.call('HINCRBY', KEYS[2], ARGV[2], 1) end
if ARGV[6] == '1' then
  local event = '!j{"member":' .. ARGV[4]
  if replaced then event = event .. ',"replaces":' .. cjson.encode(replaced) end
  redis.call(ARGV[7] == '1' and 'SPUBLISH' or 'PUBLISH', ARGV[5], event .. '}')
end
return 1
`;

/**
 * Removes a member and publishes its leave, once: only the call that finds it publishes.
 *
 * KEYS: members, users, clients
 * ARGV: sid, channel, sharded ('1'|'0')
 * Returns 1 when removed, 0 when it was not there.
 */
const LEAVE_LUA = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
local a = string.find(v, '\\n', 1, true)
local b = string.find(v, '\\n', a + 1, true)
local user = string.sub(v, 1, a - 1)
local client = string.sub(v, a + 1, b - 1)
if redis.call('HINCRBY', KEYS[2], user, -1) <= 0 then redis.call('HDEL', KEYS[2], user) end
if client ~= '' and redis.call('HGET', KEYS[3], client) == ARGV[1] then redis.call('HDEL', KEYS[3], client) end
redis.call(ARGV[3] == '1' and 'SPUBLISH' or 'PUBLISH', ARGV[2], '!l' .. string.sub(v, b + 1))
return 1
`;

/**
 * A hub's heartbeat: pushes its expiry forward and says what Redis knew of it before.
 *
 * KEYS: hubs, gone
 * ARGV: hub id, ttlMs
 * Returns 'ok'; 'late' (it had expired: others may be removing its members); 'gone' (its members
 * were removed); 'new' (Redis did not know it: first beat, or Redis lost its data).
 */
const BEAT_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
if score then
  if tonumber(score) < now then return 'late' end
  return 'ok'
end
if redis.call('DEL', KEYS[2]) == 1 then return 'gone' end
return 'new'
`;

/**
 * Hubs whose expiry passed (by Redis time).
 *
 * KEYS: hubs
 * ARGV: most to return
 */
const EXPIRED_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - 1, 'LIMIT', 0, tonumber(ARGV[1]))
`;

/**
 * Takes a batch of an expired hub's members to remove; when none is left, drops the hub and
 * leaves its tombstone. Takes nothing from a hub that came back meanwhile.
 *
 * KEYS: hubs, hub set, gone
 * ARGV: hub id, batch size, tombstone ttl ms
 */
const REAP_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) >= now then return {} end
local batch = redis.call('SPOP', KEYS[2], tonumber(ARGV[2]))
if #batch == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('SET', KEYS[3], '1', 'PX', tonumber(ARGV[3]))
end
return batch
`;

type Arg = string | number;

/** The presence scripts, as commands of a connection. */
export interface PresenceCommands {
  hubbubJoin(numKeys: number, ...args: Arg[]): Promise<number>;
  hubbubLeave(numKeys: number, ...args: Arg[]): Promise<number>;
  hubbubBeat(numKeys: number, ...args: Arg[]): Promise<'ok' | 'late' | 'gone' | 'new'>;
  hubbubExpired(numKeys: number, ...args: Arg[]): Promise<string[]>;
  hubbubReap(numKeys: number, ...args: Arg[]): Promise<string[]>;
}

/** Registers the presence scripts on a connection (EVALSHA, falling back to EVAL). */
export function definePresenceScripts(redis: RedisConnection): PresenceCommands {
  const scripted = redis as unknown as Partial<PresenceCommands>;
  if (typeof scripted.hubbubJoin !== 'function') {
    redis.defineCommand('hubbubJoin', { lua: JOIN_LUA });
    redis.defineCommand('hubbubLeave', { lua: LEAVE_LUA });
    redis.defineCommand('hubbubBeat', { lua: BEAT_LUA });
    redis.defineCommand('hubbubExpired', { lua: EXPIRED_LUA });
    redis.defineCommand('hubbubReap', { lua: REAP_LUA });
  }
  return redis as unknown as PresenceCommands;
}
