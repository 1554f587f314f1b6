import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hubbub-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function refusal(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('#loadConfig', () => {
  it('applies defaults when nothing is configured', () => {
    const config = loadConfig({ env: {} });
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      redisUrl: undefined,
      jwt: undefined,
      rules: undefined,
      apiKey: undefined,
      metrics: true,
      drainMs: 5_000,
      logLevel: 'info',
    });
  });

  it('reads a JSON file and lays the environment over it', () => {
    const path = file('full.json', {
      port: 4000,
      redisUrl: 'redis://127.0.0.1:6379',
      history: { size: 50, ttlMs: 60_000 },
      limits: { maxPayloadBytes: 4096, publishRate: 2.5 },
      allowedOrigins: ['https://app.example.com'],
      jwt: { secret: 'x'.repeat(32), audience: 'chat' },
      rules: [{ topic: 'user.{userId}', allow: ['subscribe'] }],
      apiKey: 'k'.repeat(16),
    });
    const config = loadConfig({
      file: path,
      env: {
        HUBBUB_PORT: '5000',
        HUBBUB_LIMITS_MAX_SUBSCRIPTIONS: '8',
        HUBBUB_METRICS: 'false',
        HUBBUB_IDEMPOTENCY_TTL_MS: '60000',
        HUBBUB_PRESENCE: 'room.*,chat.**',
      },
    });
    expect(config.port).toBe(5000);
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.history).toEqual({ size: 50, ttlMs: 60_000 });
    expect(config.limits).toEqual({ maxPayloadBytes: 4096, publishRate: 2.5, maxSubscriptions: 8 });
    expect(config.jwt).toMatchObject({ secret: 'x'.repeat(32), audience: 'chat' });
    expect(config.rules).toEqual([{ topic: 'user.{userId}', allow: ['subscribe'] }]);
    expect(config.metrics).toBe(false);
    expect(config.idempotencyTtlMs).toBe(60_000);
    expect(config.presence).toEqual(['room.*', 'chat.**']);
  });

  it('takes HUBBUB_CONFIG as the file, and HUBBUB_* over PORT and REDIS_URL', () => {
    const path = file('port.json', { port: 4000 });
    expect(loadConfig({ env: { HUBBUB_CONFIG: path, PORT: '4100' } }).port).toBe(4100);
    expect(loadConfig({ env: { PORT: '4100', HUBBUB_PORT: '4200' } }).port).toBe(4200);
    expect(
      loadConfig({ env: { HUBBUB_ALLOWED_ORIGINS: 'https://a.example, https://b.example' } }).allowedOrigins,
    ).toEqual(['https://a.example', 'https://b.example']);
  });

  it.each([
    [{ port: 70_000 }, {}, 'port'],
    [{ port: 'eighty' }, {}, 'port'],
    [{ redisUrl: 'http://x' }, {}, 'redisUrl'],
    [{ limts: {} }, {}, 'limts'],
    [{ limits: { publishRate: 0 } }, {}, 'limits.publishRate'],
    [{ limits: { maxPayload: 10 } }, {}, 'limits.maxPayload'],
    [{ history: { size: -1 } }, {}, 'history.size'],
    [{ idempotencyTtlMs: 5 }, {}, 'idempotencyTtlMs'],
    [{ presence: ['user.{userId}'] }, {}, 'presence[0]'],
    [{ allowedOrigins: ['*'] }, {}, 'allowedOrigins[0]'],
    [{ jwt: {} }, {}, 'jwt'],
    [{ jwt: { secret: 'short' } }, {}, 'jwt.secret'],
    [{ jwt: { secret: 'x'.repeat(32), jwksUrl: 'https://idp.example/jwks' } }, {}, 'jwt.jwksUrl'],
    [{ jwt: { publicKey: 'not a key' } }, {}, 'jwt.publicKey'],
    [{ rules: [{ topic: 'chat.#', allow: ['subscribe'] }] }, {}, 'rules[0].topic'],
    [{ rules: [{ topic: 'a.**.b', allow: ['subscribe'] }] }, {}, 'rules[0].topic'],
    [{ rules: [{ topic: 'chat.*', allow: ['read'] }] }, {}, 'rules[0].allow[0]'],
    [{ rules: [{ topic: 'chat.*' }] }, {}, 'rules[0].allow'],
    [{ apiKey: 'short' }, {}, 'apiKey'],
    [{ logLevel: 'loud' }, {}, 'logLevel'],
    [{}, { HUBBUB_PORT: 'abc' }, 'port'],
    [{}, { HUBBUB_METRICS: 'yes' }, 'metrics'],
    [{}, { HUBBUB_RULES: '[{' }, 'rules'],
    [{}, { HUBBUB_RULES: '[{"topic":"a b","allow":["publish"]}]' }, 'rules[0].topic'],
  ])('refuses %j with env %j, naming %s', (content, env, field) => {
    const path = file('bad.json', content);
    const err = refusal(() => loadConfig({ file: path, env }));
    expect(err.field).toBe(field);
    expect(err.message.startsWith(`${field} (`)).toBe(true);
  });

  it('says where a refused value came from', () => {
    const path = file('where.json', { port: 'x' });
    expect(refusal(() => loadConfig({ file: path, env: {} })).source).toBe(`in ${path}`);
    expect(refusal(() => loadConfig({ env: { HUBBUB_HISTORY_SIZE: '-5' } })).source).toBe(
      'HUBBUB_HISTORY_SIZE',
    );
  });

  it('refuses a missing or broken file, naming it', () => {
    expect(refusal(() => loadConfig({ file: join(dir, 'absent.json'), env: {} })).message).toMatch(
      /absent\.json.*ENOENT/,
    );
    expect(refusal(() => loadConfig({ file: file('broken.json', '{"port":'), env: {} })).message).toMatch(
      /not valid JSON/,
    );
  });
});
