/** Checks a raw configuration object and applies defaults. */
import { DEFAULT_HEARTBEAT, DEFAULT_HISTORY, DEFAULT_LIMITS, type LimitsOptions } from '@hubbub/server';
import { patternSource, RULE_ACTIONS } from '../rules.js';
import { ConfigError } from './errors.js';
import { Fields, isPlainObject, type SourceOf } from './fields.js';
import type { JwtConfig, LogLevel, RuleAction, StandaloneConfig, TopicRule } from './types.js';

/** Fields of the configuration, in the order the README lists them. */
export const CONFIG_FIELDS = [
  'port',
  'host',
  'path',
  'redisUrl',
  'redisPrefix',
  'history',
  'heartbeat',
  'idempotencyTtlMs',
  'limits',
  'allowedOrigins',
  'jwt',
  'rules',
  'presence',
  'presenceGraceMs',
  'apiKey',
  'apiMaxBodyBytes',
  'metrics',
  'drainMs',
  'logLevel',
] as const;

const JWT_KEYS = ['secret', 'publicKey', 'publicKeyFile', 'jwksUrl', 'jwksFile'] as const;
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
const MIN_SECRET = 32;
const MIN_API_KEY = 16;

function urlProblem(protocols: readonly string[]) {
  return (value: string): string | undefined => {
    try {
      const url = new URL(value);
      return protocols.includes(url.protocol) ? undefined : `must be a ${protocols.join(' or ')} URL`;
    } catch {
      return 'must be a URL';
    }
  };
}

function originProblem(value: string): string | undefined {
  if (value === '*') return 'list the origins; leave the field out to allow every origin';
  return urlProblem(['http:', 'https:'])(value);
}

function readLimits(f: Fields | undefined): LimitsOptions {
  if (!f) return {};
  const known = Object.keys(DEFAULT_LIMITS);
  f.only(known);
  const out: Record<string, number> = {};
  for (const key of known) {
    const value = f.number(key, 0, Number.POSITIVE_INFINITY, !key.endsWith('Rate'));
    if (value !== undefined) out[key] = value;
  }
  if (out.publishRate === 0) f.fail('publishRate', 'must be positive');
  if (out.publishBurst === 0) f.fail('publishBurst', 'must be positive');
  return out;
}

function readJwt(f: Fields | undefined): JwtConfig | undefined {
  if (!f) return undefined;
  f.only([...JWT_KEYS, 'algorithms', 'audience', 'issuer', 'clockToleranceSec']);
  const given = JWT_KEYS.filter((k) => f.has(k));
  if (given.length === 0) f.failSelf(`needs one of jwt.${JWT_KEYS.join(', jwt.')}`);
  if (given.length > 1) f.fail(given[1] as string, `only one of jwt.${given.join(' and jwt.')} may be given`);
  return {
    secret: f.string('secret', (v) =>
      v.length < MIN_SECRET ? `must be at least ${MIN_SECRET} characters (HS256 needs 256 bits)` : undefined,
    ),
    publicKey: f.string('publicKey', (v) =>
      v.includes('-----BEGIN PUBLIC KEY-----')
        ? undefined
        : 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)',
    ),
    publicKeyFile: f.string('publicKeyFile'),
    jwksUrl: f.string('jwksUrl', urlProblem(['http:', 'https:'])),
    jwksFile: f.string('jwksFile'),
    algorithms: f.strings('algorithms'),
    audience: f.oneOrMany('audience'),
    issuer: f.oneOrMany('issuer'),
    clockToleranceSec: f.number('clockToleranceSec', 0, 3_600),
  };
}

function readRules(items: unknown[] | undefined, parent: Fields): TopicRule[] | undefined {
  if (!items) return undefined;
  return items.map((item, i) => {
    const key = `rules[${i}]`;
    if (!isPlainObject(item)) parent.fail(key, 'must be an object { "topic": pattern, "allow": [actions] }');
    const f: Fields = parent.nested(key, item);
    f.only(['topic', 'allow']);
    const topic = f.string('topic', (v) => {
      try {
        patternSource(v);
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    });
    if (topic === undefined) f.fail('topic', 'is required');
    const allow = f.strings('allow', (v) =>
      RULE_ACTIONS.includes(v as RuleAction) ? undefined : `must be one of ${RULE_ACTIONS.join(', ')}`,
    );
    if (allow === undefined) f.fail('allow', `is required: a list of ${RULE_ACTIONS.join(', ')}`);
    return { topic, allow: allow as RuleAction[] };
  });
}

function readPresence(f: Fields): boolean | string[] {
  if (typeof f.raw('presence') === 'boolean' || !f.has('presence')) return f.boolean('presence') ?? false;
  return (
    f.strings('presence', (v) => {
      if (v.includes('{userId}')) return 'presence patterns cannot hold {userId}';
      try {
        patternSource(v);
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    }) ?? false
  );
}

/** Checks `raw` (the file merged with the environment) and applies defaults. Throws {@link ConfigError}. */
export function validateConfig(raw: unknown, sourceOf: SourceOf = () => undefined): StandaloneConfig {
  if (!isPlainObject(raw)) throw new ConfigError('config', 'must be a JSON object');
  const f = new Fields(raw, '', sourceOf);
  f.only(CONFIG_FIELDS);
  const history = f.object('history');
  history?.only(Object.keys(DEFAULT_HISTORY));
  const heartbeat = f.object('heartbeat');
  heartbeat?.only(Object.keys(DEFAULT_HEARTBEAT));
  const apiKey = f.string('apiKey', (v) =>
    v.length < MIN_API_KEY ? `must be at least ${MIN_API_KEY} characters` : undefined,
  );
  const logLevel = f.string('logLevel', (v) =>
    LOG_LEVELS.includes(v as LogLevel) ? undefined : `must be one of ${LOG_LEVELS.join(', ')}`,
  );
  return {
    port: f.number('port', 0, 65_535) ?? 3000,
    host: f.string('host') ?? '0.0.0.0',
    path: f.string('path', (v) => (v.startsWith('/') ? undefined : 'must start with "/"')),
    redisUrl: f.string('redisUrl', urlProblem(['redis:', 'rediss:'])),
    redisPrefix: f.string('redisPrefix') ?? 'hubbub',
    history: dropUndefined({ size: history?.number('size', 0), ttlMs: history?.number('ttlMs', 0) }),
    heartbeat: dropUndefined({
      intervalMs: heartbeat?.number('intervalMs', 1),
      timeoutMs: heartbeat?.number('timeoutMs', 1),
    }),
    idempotencyTtlMs: f.number('idempotencyTtlMs', 1_000),
    limits: readLimits(f.object('limits')),
    allowedOrigins: f.strings('allowedOrigins', originProblem),
    jwt: readJwt(f.object('jwt')),
    rules: readRules(f.list('rules'), f),
    presence: readPresence(f),
    presenceGraceMs: f.number('presenceGraceMs', 0),
    apiKey,
    apiMaxBodyBytes: f.number('apiMaxBodyBytes', 64) ?? 1_048_576,
    metrics: f.boolean('metrics') ?? true,
    drainMs: f.number('drainMs', 0) ?? 5_000,
    logLevel: (logLevel as LogLevel | undefined) ?? 'info',
  };
}

function dropUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
