import type { Cluster, Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import { DEFAULT_HISTORY } from '../../options.js';
import type { BrokerMessage, HistoryOptions, HistoryQuery, HistoryRead, PublishResult } from '../broker.js';
import { readEntry, storedMessage } from './codec.js';
import type { TopicKeys } from './keys.js';

/** A standalone Redis connection or a Redis Cluster client. */
export type RedisConnection = Redis | Cluster;

/**
 * Shared by both scripts: the topic's epoch and counter, a new epoch when they are gone (a Redis
 * that lost its data) or were written under another replication history, and the topic's history
 * settings.
 *
 * A replica promoted by a failover may lack the last writes its primary acknowledged: its counter
 * is behind what subscribers have seen, and reusing those offsets would give one position two
 * messages (issue 10, case 8). Promotion gives the replica a new replication id (`master_replid`),
 * so a topic whose stored `rid` differs from the current one starts a new epoch, with empty
 * history: subscribers get `gap`, never a reused offset. The check runs inside the script, so the
 * hubs and publishers racing to notice are serialised by Redis: the first one starts the epoch,
 * the others see the new `rid`. Topics written before `rid` existed adopt the current one.
 *
 * History settings are one truth per topic, kept in the meta hash: a writer that states settings
 * (every hub; a publisher given `history`) raises the stored size and ttl to its own when larger,
 * and never lowers them, so no writer trims below what another promised (issue 10, case 2); a
 * writer that states none uses the stored ones. Lower settings take effect with the next epoch.
 *
 * KEYS: seq, epoch, log, meta. ARGV (from BASE): newEpoch, keepMs, size, ttlMs, stated ('1'|'0').
 * Declares, for the rest of the script: epoch, seq (a number), size, ttl, keep, and narrower (1
 * when the writer stated a smaller size or ttl than the topic keeps: its settings were ignored).
 */
const TOPIC_STATE_LUA = `
local rid = string.match(redis.call('INFO', 'replication'), 'master_replid:(%w+)')
local epoch = redis.call('GET', KEYS[2])
local seq = redis.call('GET', KEYS[1])
local meta = redis.call('HMGET', KEYS[4], 'rid', 'size', 'ttl')
local keep = tonumber(ARGV[BASE + 1])
local size = tonumber(ARGV[BASE + 2])
local ttl = tonumber(ARGV[BASE + 3])
local stated = ARGV[BASE + 4] == '1'
if not epoch or not seq or (meta[1] and meta[1] ~= rid) then
  epoch = ARGV[BASE]
  seq = 0
  meta = {false, false, false}
  redis.call('DEL', KEYS[3], KEYS[4])
  redis.call('SET', KEYS[2], epoch, 'PX', keep)
  redis.call('SET', KEYS[1], 0, 'PX', keep)
end
seq = tonumber(seq)
local storedSize = tonumber(meta[2])
local storedTtl = tonumber(meta[3])
local narrower = stated and ((storedSize and storedSize > size) or (storedTtl and storedTtl > ttl)) and 1 or 0
if storedSize and (not stated or storedSize > size) then size = storedSize end
if storedTtl and (not stated or storedTtl > ttl) then ttl = storedTtl end
if meta[1] ~= rid or (stated and (storedSize ~= size or storedTtl ~= ttl)) then
  if stated then
    redis.call('HSET', KEYS[4], 'rid', rid, 'size', size, 'ttl', ttl)
  else
    redis.call('HSET', KEYS[4], 'rid', rid)
  end
end
if ttl > keep then keep = ttl end
redis.call('PEXPIRE', KEYS[2], keep)
redis.call('PEXPIRE', KEYS[4], keep)
`;

/**
 * One publish, atomically: answer a known idempotency key with its original position; otherwise
 * settle the topic's epoch and settings (see {@link TOPIC_STATE_LUA}), take the next offset, drop
 * expired entries from the head of the history, append and trim it to its size, remember the key
 * and publish on the topic's channel.
 *
 * KEYS: seq, epoch, log, meta[, idempotency key]
 * ARGV: channel, blob, keyTtlMs, sharded ('1'|'0'), then the topic state's arguments
 */
const PUBLISH_LUA = `
local idem = KEYS[5]
if idem then
  local seen = redis.call('GET', idem)
  if seen then
    local sep = string.find(seen, ':', 1, true)
    return {string.sub(seen, 1, sep - 1), tonumber(string.sub(seen, sep + 1)), 1}
  end
end
local BASE = 5
${TOPIC_STATE_LUA}
seq = seq + 1
redis.call('SET', KEYS[1], seq, 'PX', keep)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
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
  redis.call('SET', idem, epoch .. ':' .. seq, 'PX', ARGV[3])
end
local message = epoch .. ':' .. seq .. ':' .. ARGV[2]
if ARGV[4] == '1' then
  redis.call('SPUBLISH', ARGV[1], message)
else
  redis.call('PUBLISH', ARGV[1], message)
end
return {epoch, seq, 0, narrower}
`;

/**
 * Reads a topic's position and part of its history in one step, settling its epoch and settings
 * as a publish does (a read after a failover starts the new epoch too) and keeping the topic's
 * counter, epoch and settings alive for another `keepMs`.
 *
 * KEYS: seq, epoch, log, meta
 * ARGV: mode ('a' after | 'l' last), n, then the topic state's arguments
 * Returns: {epoch, offset, firstOffset, entries}; entries past their ttl are left out.
 */
const READ_LUA = `
local BASE = 3
${TOPIC_STATE_LUA}
redis.call('PEXPIRE', KEYS[1], keep)
local len = redis.call('LLEN', KEYS[3])
local t = redis.call('TIME')
local cutoff = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - ttl
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
if ARGV[1] == 'a' then
  from = tonumber(ARGV[2]) + 1
else
  from = seq - tonumber(ARGV[2]) + 1
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
  hubbubPublish(numKeys: number, ...args: Arg[]): Promise<[string, number, number, number?]>;
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
  /**
   * The history this writer states (a hub's `history`). Undefined: the topic's stored settings, or
   * {@link DEFAULT_HISTORY} for a topic that has none yet (a publisher given no `history`).
   */
  readonly history: HistoryOptions | undefined;
  readonly idempotencyTtlMs: number;
  /** How long a topic's counter and epoch outlive its last publish or read, in ms. */
  readonly idleTopicTtlMs: number;
  /** SPUBLISH (Redis Cluster, sharded pub/sub) instead of PUBLISH. */
  readonly sharded: boolean;
}

/** The topic state's arguments: newEpoch, keepMs, size, ttlMs, stated. */
function stateArgs(s: ScriptSettings): Arg[] {
  const history = s.history ?? DEFAULT_HISTORY;
  const ttlMs = Math.max(0, Math.ceil(history.ttlMs));
  const keep = Math.max(1, Math.ceil(s.idleTopicTtlMs), ttlMs, Math.ceil(s.idempotencyTtlMs));
  return [nanoid(), keep, Math.max(0, Math.floor(history.size)), ttlMs, s.history ? '1' : '0'];
}

/** What a publish script answered. */
export interface PublishOutcome {
  readonly result: PublishResult;
  /** The writer stated a smaller history than the topic keeps; the topic's was used. */
  readonly historyIgnored: boolean;
}

/** Runs the publish script: one round trip. */
export async function runPublish(
  redis: ScriptCommands,
  keys: TopicKeys,
  blob: Buffer,
  s: ScriptSettings,
  key?: string,
): Promise<PublishOutcome> {
  const withKey = key !== undefined && s.idempotencyTtlMs >= 1;
  const args: Arg[] = [keys.seq, keys.epoch, keys.log, keys.meta];
  if (withKey) args.push(keys.keyPrefix + key);
  args.push(keys.channel, blob, Math.ceil(s.idempotencyTtlMs), s.sharded ? '1' : '0', ...stateArgs(s));
  const [epoch, offset, duplicate, narrower] = await redis.hubbubPublish(withKey ? 5 : 4, ...args);
  return { result: { epoch, offset, duplicate: duplicate === 1 }, historyIgnored: narrower === 1 };
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
    4,
    keys.seq,
    keys.epoch,
    keys.log,
    keys.meta,
    mode,
    Math.max(0, Math.floor(n)),
    ...stateArgs(s),
  );
  const epoch = epochBuf.toString();
  const messages: BrokerMessage[] = [];
  for (const buf of raw) {
    const entry = readEntry(buf);
    messages.push(storedMessage(topic, epoch, entry.offset, entry.buf, entry.start));
  }
  return { epoch, offset, firstOffset, messages };
}
