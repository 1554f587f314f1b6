/**
 * The `hubbub` command as a child process: configured from the environment and from a JSON file,
 * JWTs checked (HS256 secret, RS256 key generated here), topic rules applied, the HTTP API and
 * /metrics served, SIGTERM drained; bad configuration refused with the field named.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUBPROTOCOL } from '@hubbub/protocol';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '../../../test/utils/wait.js';
import { type CliProcess, runCli, stopCli, waitForLine } from './utils/cli.js';
import { client, closeAll, subscribed } from './utils/standalone.js';

const SECRET = 'cli-test-secret-0123456789-abcdefghij';
const API_KEY = 'cli-test-api-key-0123456789';
const PAYLOAD = 'payload-marker-5d1c';
const dir = mkdtempSync(join(tmpdir(), 'hubbub-cli-'));
const running: CliProcess[] = [];

afterEach(async () => {
  await closeAll();
  await Promise.all(running.splice(0).map((cli) => stopCli(cli, 'SIGKILL')));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(args: string[], env: Record<string, string>) {
  const cli = await runCli(args, env, dir);
  running.push(cli);
  const [, port] = await waitForLine(cli, /"port":(\d+).*hubbub standalone server listening/);
  return { cli, url: `http://127.0.0.1:${port}` };
}

const hs256 = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));

/** Opens a raw socket, sends `connect` with `token`, resolves with the close code and reason. */
function refusal(url: string, token: string): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), [SUBPROTOCOL]);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connect', token })));
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.once('error', reject);
  });
}

describe('hubbub command', () => {
  it('runs from environment variables: JWT, rules, HTTP API, /metrics; SIGTERM drains', async () => {
    const rules = [{ topic: 'user.{userId}', allow: ['subscribe'] }];
    const { cli, url } = await start([], {
      HUBBUB_PORT: '0',
      HUBBUB_HOST: '127.0.0.1',
      HUBBUB_JWT_SECRET: SECRET,
      HUBBUB_API_KEY: API_KEY,
      HUBBUB_RULES: JSON.stringify(rules),
      HUBBUB_DRAIN_MS: '1000',
    });
    const token = await hs256({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 });
    const alice = client({ url }, token);
    const { got } = await subscribed(alice, 'user.alice');
    const other = alice.subscribe('user.bob', () => {});
    const forbidden = await new Promise<{ code: string }>((resolve) => other.on('error', resolve));
    expect(forbidden.code).toBe('FORBIDDEN');

    const res = await fetch(`${url}/api/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'user.alice', data: { note: PAYLOAD } }),
    });
    expect(res.status).toBe(200);
    await waitFor(() => got.length === 1, 10_000, 'delivery');
    expect(got).toEqual([{ note: PAYLOAD }]);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^# TYPE hubbub_connections gauge$/m);
    expect(metrics).toMatch(/^hubbub_connections 1$/m);
    expect(metrics).toMatch(/^hubbub_messages_published_total 1$/m);

    expect(await stopCli(cli, 'SIGTERM')).toBe(0);
    expect(cli.output()).toMatch(/"msg":"draining"/);
    expect(cli.output()).toMatch(/"msg":"stopped"/);
    for (const secret of [token, SECRET, API_KEY, PAYLOAD]) expect(cli.output()).not.toContain(secret);
  });

  it('runs from a config file with an RS256 public key; refuses expired and wrong-audience tokens', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    writeFileSync(join(dir, 'rs256.pem'), await exportSPKI(publicKey));
    writeFileSync(
      join(dir, 'hubbub.json'),
      JSON.stringify({
        port: 0,
        host: '127.0.0.1',
        jwt: { publicKeyFile: 'rs256.pem', audience: 'chat' },
        history: { size: 10 },
        logLevel: 'warn',
      }),
    );
    const { cli, url } = await start(['--config', 'hubbub.json'], { HUBBUB_LOG_LEVEL: 'info' });
    const rs256 = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    const now = Math.floor(Date.now() / 1000);
    const ok = client({ url }, await rs256({ sub: 'carol', aud: 'chat', exp: now + 600 }));
    await subscribed(ok, 'room.1');
    const expired = await rs256({ sub: 'carol', aud: 'chat', exp: now - 10 });
    const billing = await rs256({ sub: 'carol', aud: 'billing', exp: now + 600 });
    expect(await refusal(url, expired)).toEqual({ code: 4401, reason: 'token expired' });
    expect(await refusal(url, billing)).toEqual({ code: 4401, reason: 'token claim "aud" refused' });
    expect(await refusal(url, await hs256({ sub: 'carol', aud: 'chat' }))).toMatchObject({ code: 4401 });
    expect(cli.output()).toMatch(/hubbub standalone server listening/);
    for (const token of [expired, billing]) expect(cli.output()).not.toContain(token);
  });

  it.each([
    [
      'a config file value',
      { port: 'x' },
      {},
      /^hubbub: invalid configuration: port \(in .*bad\.json\): must be an integer/m,
    ],
    [
      'an environment value',
      {},
      { HUBBUB_JWT_SECRET: 'short' },
      /jwt\.secret \(HUBBUB_JWT_SECRET\): must be at least 32/,
    ],
    ['a misspelt field', { limts: {} }, {}, /limts \(in .*\): unknown field/],
    ['a bad rule', { rules: [{ topic: 'a.{user}', allow: ['subscribe'] }] }, {}, /rules\[0\]\.topic/],
    [
      'an unreadable key file',
      { jwt: { publicKeyFile: 'absent.pem' } },
      {},
      /jwt\.publicKeyFile: cannot read/,
    ],
  ])('refuses %s at start with exit code 2, naming the field', async (_what, content, env, message) => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(content));
    const cli = await runCli(['--config', 'bad.json'], env, dir);
    running.push(cli);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toMatch(message);
  });
});
