import type { Cluster, Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import type { BrokerMessage, HistoryOptions, HistoryQuery, HistoryRead, PublishResult } from '../broker.js';
import { decodePayload, readEntry } from './codec.js';
import type { TopicKeys } from './keys.js';

/** A standalone Redis connection or a Redis Cluster client. */
export type RedisConnection = Redis | Cluster;

/**
 * One publish, atomically: answer a known idempotency key with its original position; otherwise
 * (re)create the epoch when the counter or the epoch is gone (a Redis that lost its data starts a
 * new epoch, with empty history), take the next offset, drop expired entries from the head of the
 * history, append and trim it to its size, remember the key and publish on the topic's channel.
 *
 * KEYS: seq, epoch, log[, idempotency key]
 * ARGV: channel, blob, size, ttlMs, keyTtlMs, newEpoch, sharded ('1'|'0'), keepMs
 */
const PUBLISH_LUA = `
local idem = KEYS[4]
if idem then
  local seen = redis.call('GET', idem)
  if seen then
    local sep = string.find(seen, ':', 1, true)
    return {string.sub(seen, 1, sep - 1), tonumber(string.sub(seen, sep + 1)), 1}
  end
end
local keep = ARGV[8]
local epoch = redis.call('GET', KEYS[2])
local seq = redis.call('GET', KEYS[1])
if not epoch or not seq then
  epoch = ARGV[6]
  seq = 0
  redis.call('DEL', KEYS[3])
  redis.call('SET', KEYS[2], epoch, 'PX', keep)
else
  redis.call('PEXPIRE', KEYS[2], keep)
end
seq = tonumber(seq) + 1
redis.call('SET', KEYS[1], seq, 'PX', keep)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local size = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local cutoff = now - ttl
while true do
  local head = redis.call('LINDEX', KEYS[3], 0)
  if not head then break end
  local at = tonumber(string.sub(head, 1, string.find(head, ':', 1, true) - 1))
  if at > cutoff then break end
  redis.call('LPOP', KEYS[3])
end
if size > 0 and ttl > 0 then
  redis.call('RPUSH', KEYS[3], now .. ':' .. seq .. ':' .. ARGV[2])
  redis.call('LTRIM', KEYS[3], -size, -1)
  redis.call('PEXPIRE', KEYS[3], ttl)
end
if idem then
  redis.call('SET', idem, epoch .. ':' .. seq, 'PX', ARGV[5])
end
local message = epoch .. ':' .. seq .. ':' .. ARGV[2]
if ARGV[7] == '1' then
  redis.call('SPUBLISH', ARGV[1], message)
else
  redis.call('PUBLISH', ARGV[1], message)
end
return {epoch, seq, 0}
`;

/**
 * Reads a topic's position and part of its history in one step, creating the epoch when absent.
 *
 * KEYS: seq, epoch, log
 * ARGV: newEpoch, keepMs, ttlMs, mode ('a' after | 'l' last), n
 * Returns: {epoch, offset, firstOffset, entries}; entries past their ttl are left out.
 */
const READ_LUA = `
local epoch = redis.call('GET', KEYS[2])
local seq = redis.call('GET', KEYS[1])
if not epoch or not seq then
  epoch = ARGV[1]
  seq = 0
  redis.call('DEL', KEYS[3])
  redis.call('SET', KEYS[2], epoch, 'PX', ARGV[2])
  redis.call('SET', KEYS[1], 0, 'PX', ARGV[2])
end
seq = tonumber(seq)
local len = redis.call('LLEN', KEYS[3])
local t = redis.call('TIME')
local cutoff = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[3])
local base = seq - len + 1
local skip = 0
while skip < len do
  local entry = redis.call('LINDEX', KEYS[3], skip)
  local at = tonumber(string.sub(entry, 1, string.find(entry, ':', 1, true) - 1))
  if at > cutoff then break end
  skip = skip + 1
end
local first = base + skip
local from
if ARGV[4] == 'a' then
  from = tonumber(ARGV[5]) + 1
else
  from = seq - tonumber(ARGV[5]) + 1
end
if from < first then from = first end
local entries = {}
if from <= seq then
  entries = redis.call('LRANGE', KEYS[3], from - base, -1)
end
return {epoch, seq, first, entries}
`;

type Arg = string | Buffer | number;

interface ScriptCommands {
  hubbubPublish(numKeys: number, ...args: Arg[]): Promise<[string, number, number]>;
  hubbubReadBuffer(numKeys: number, ...args: Arg[]): Promise<[Buffer, number, number, Buffer[]]>;
}

/** Registers the scripts on a connection (EVALSHA, falling back to EVAL after a script flush). */
export function defineScripts(redis: RedisConnection): ScriptCommands {
  const scripted = redis as unknown as Partial<ScriptCommands>;
  if (typeof scripted.hubbubPublish !== 'function') {
    redis.defineCommand('hubbubPublish', { lua: PUBLISH_LUA });
    redis.defineCommand('hubbubRead', { lua: READ_LUA });
  }
  return redis as unknown as ScriptCommands;
}

/** Settings shared by every script call of one broker or publisher. */
export interface ScriptSettings {
  readonly history: HistoryOptions;
  readonly idempotencyTtlMs: number;
  /** How long a topic's counter and epoch outlive its last publish or read, in ms. */
  readonly idleTopicTtlMs: number;
  /** SPUBLISH (Redis Cluster, sharded pub/sub) instead of PUBLISH. */
  readonly sharded: boolean;
}

function keepMs(s: ScriptSettings): number {
  return Math.max(1, Math.ceil(s.idleTopicTtlMs), Math.ceil(s.history.ttlMs), Math.ceil(s.idempotencyTtlMs));
}

/** Runs the publish script: one round trip. */
export async function runPublish(
  redis: ScriptCommands,
  keys: TopicKeys,
  blob: Buffer,
  s: ScriptSettings,
  key?: string,
): Promise<PublishResult> {
  const withKey = key !== undefined && s.idempotencyTtlMs >= 1;
  const args: Arg[] = [keys.seq, keys.epoch, keys.log];
  if (withKey) args.push(keys.keyPrefix + key);
  args.push(
    keys.channel,
    blob,
    Math.max(0, Math.floor(s.history.size)),
    Math.max(0, Math.ceil(s.history.ttlMs)),
  );
  args.push(Math.ceil(s.idempotencyTtlMs), nanoid(), s.sharded ? '1' : '0', keepMs(s));
  const [epoch, offset, duplicate] = await redis.hubbubPublish(withKey ? 4 : 3, ...args);
  return { epoch, offset, duplicate: duplicate === 1 };
}

/** Runs the read script and decodes its entries. */
export async function runRead(
  redis: ScriptCommands,
  topic: string,
  keys: TopicKeys,
  query: HistoryQuery,
  s: ScriptSettings,
): Promise<HistoryRead> {
  const [mode, n] = 'after' in query ? ['a', query.after] : ['l', query.last];
  const [epochBuf, offset, firstOffset, raw] = await redis.hubbubReadBuffer(
    3,
    keys.seq,
    keys.epoch,
    keys.log,
    nanoid(),
    keepMs(s),
    Math.max(0, Math.ceil(s.history.ttlMs)),
    mode,
    Math.max(0, Math.floor(n)),
  );
  const epoch = epochBuf.toString();
  const messages: BrokerMessage[] = [];
  for (const buf of raw) {
    const entry = readEntry(buf);
    messages.push({ topic, epoch, offset: entry.offset, data: decodePayload(entry.buf, entry.start) });
  }
  return { epoch, offset, firstOffset, messages };
}
