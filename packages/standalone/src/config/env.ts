/** Environment variables of the standalone server, and how each maps onto a config field. */
import { DEFAULT_LIMITS } from '@hubbub/server';
import { ConfigError } from './errors.js';

type Kind = 'int' | 'number' | 'string' | 'list' | 'bool' | 'boolOrList' | 'json';

interface EnvField {
  /** Dotted config path. */
  readonly field: string;
  readonly kind: Kind;
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

/**
 * Every variable the server reads, by name. `HUBBUB_*` wins over the plain `PORT`, `HOST` and
 * `REDIS_URL` that hosting platforms set.
 */
export const ENV_FIELDS: Readonly<Record<string, EnvField>> = {
  PORT: { field: 'port', kind: 'int' },
  HOST: { field: 'host', kind: 'string' },
  REDIS_URL: { field: 'redisUrl', kind: 'string' },
  HUBBUB_PORT: { field: 'port', kind: 'int' },
  HUBBUB_HOST: { field: 'host', kind: 'string' },
  HUBBUB_PATH: { field: 'path', kind: 'string' },
  HUBBUB_REDIS_URL: { field: 'redisUrl', kind: 'string' },
  HUBBUB_REDIS_PREFIX: { field: 'redisPrefix', kind: 'string' },
  HUBBUB_HISTORY_SIZE: { field: 'history.size', kind: 'int' },
  HUBBUB_HISTORY_TTL_MS: { field: 'history.ttlMs', kind: 'int' },
  HUBBUB_HEARTBEAT_INTERVAL_MS: { field: 'heartbeat.intervalMs', kind: 'int' },
  HUBBUB_HEARTBEAT_TIMEOUT_MS: { field: 'heartbeat.timeoutMs', kind: 'int' },
  HUBBUB_IDEMPOTENCY_TTL_MS: { field: 'idempotencyTtlMs', kind: 'int' },
  ...Object.fromEntries(
    Object.keys(DEFAULT_LIMITS).map((k) => [
      `HUBBUB_LIMITS_${snake(k)}`,
      { field: `limits.${k}`, kind: 'number' },
    ]),
  ),
  HUBBUB_ALLOWED_ORIGINS: { field: 'allowedOrigins', kind: 'list' },
  HUBBUB_JWT_SECRET: { field: 'jwt.secret', kind: 'string' },
  HUBBUB_JWT_PUBLIC_KEY: { field: 'jwt.publicKey', kind: 'string' },
  HUBBUB_JWT_PUBLIC_KEY_FILE: { field: 'jwt.publicKeyFile', kind: 'string' },
  HUBBUB_JWT_JWKS_URL: { field: 'jwt.jwksUrl', kind: 'string' },
  HUBBUB_JWT_JWKS_FILE: { field: 'jwt.jwksFile', kind: 'string' },
  HUBBUB_JWT_ALGORITHMS: { field: 'jwt.algorithms', kind: 'list' },
  HUBBUB_JWT_AUDIENCE: { field: 'jwt.audience', kind: 'string' },
  HUBBUB_JWT_ISSUER: { field: 'jwt.issuer', kind: 'string' },
  HUBBUB_JWT_CLOCK_TOLERANCE_SEC: { field: 'jwt.clockToleranceSec', kind: 'int' },
  HUBBUB_RULES: { field: 'rules', kind: 'json' },
  HUBBUB_PRESENCE: { field: 'presence', kind: 'boolOrList' },
  HUBBUB_PRESENCE_GRACE_MS: { field: 'presenceGraceMs', kind: 'int' },
  HUBBUB_API_KEY: { field: 'apiKey', kind: 'string' },
  HUBBUB_API_MAX_BODY_BYTES: { field: 'apiMaxBodyBytes', kind: 'int' },
  HUBBUB_METRICS: { field: 'metrics', kind: 'bool' },
  HUBBUB_DRAIN_MS: { field: 'drainMs', kind: 'int' },
  HUBBUB_LOG_LEVEL: { field: 'logLevel', kind: 'string' },
};

function parse(name: string, field: string, kind: Kind, text: string): unknown {
  const fail = (problem: string): never => {
    throw new ConfigError(field, problem, name);
  };
  switch (kind) {
    case 'string':
      return text;
    case 'int':
    case 'number': {
      const value = text.trim() === 'Infinity' ? Number.POSITIVE_INFINITY : Number(text);
      if (text.trim() === '' || Number.isNaN(value)) fail(`must be a number, got ${JSON.stringify(text)}`);
      return value;
    }
    case 'bool':
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      return fail(`must be true or false, got ${JSON.stringify(text)}`);
    case 'boolOrList':
      if (text === 'true' || text === 'false') return text === 'true';
      return parse(name, field, 'list', text);
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    case 'json':
      try {
        return JSON.parse(text);
      } catch (err) {
        return fail(`must be JSON: ${(err as Error).message}`);
      }
  }
}

function setPath(target: Record<string, unknown>, field: string, value: unknown): void {
  const parts = field.split('.');
  let obj = target;
  for (const part of parts.slice(0, -1)) {
    const next = obj[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) obj[part] = {};
    obj = obj[part] as Record<string, unknown>;
  }
  obj[parts[parts.length - 1] as string] = value;
}

/**
 * Lays the environment over `base` (the config file's object), returning the merged object and the
 * variable each overridden field came from.
 */
export function applyEnv(
  base: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): { raw: Record<string, unknown>; sources: Map<string, string> } {
  const raw = structuredClone(base);
  const sources = new Map<string, string>();
  // Plain names first, so HUBBUB_* (later in the table) wins.
  for (const [name, { field, kind }] of Object.entries(ENV_FIELDS)) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    setPath(raw, field, parse(name, field, kind, text));
    sources.set(field, name);
  }
  return { raw, sources };
}
