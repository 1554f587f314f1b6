/**
 * The HTTP API examples as an operator runs them: publish.py (standard library only) and
 * publish.sh (curl) publish through a standalone server to a WebSocket subscriber; a retry with
 * the same key is delivered once. Both tools must be installed (CI installs them); a missing one
 * fails the test, naming it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Client, createClient } from '@hubbub/client';
import { type Standalone, startStandalone, validateConfig } from '@hubbub/standalone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectErrors } from '../../../test/utils/errors.js';
import { which } from '../../../test/utils/process.js';
import { waitFor } from '../../../test/utils/wait.js';

const run = promisify(execFile);
const DIR = fileURLToPath(new URL('..', import.meta.url));
const API_KEY = 'example-api-key-0123456789';

let server: Standalone;
let subscriber: Client;
const got: unknown[] = [];

function tool(name: string): string {
  const path = which(name);
  if (!path)
    throw new Error(
      `${name} is not installed: the HTTP API examples need it (apt-get install ${name === 'python3' ? 'python3' : name})`,
    );
  return path;
}

beforeAll(async () => {
  server = await startStandalone(
    validateConfig({ port: 0, host: '127.0.0.1', apiKey: API_KEY, logLevel: 'silent', drainMs: 200 }),
  );
  subscriber = createClient({ url: server.url.replace('http', 'ws'), reconnect: { maxAttempts: 0 } });
  collectErrors(subscriber);
  const sub = subscriber.subscribe('news.weather', (data) => {
    got.push(data);
  });
  await new Promise<void>((resolve) => sub.on('subscribed', () => resolve()));
});

afterAll(async () => {
  subscriber?.close();
  await server?.close();
});

const env = () => ({ PATH: process.env.PATH ?? '', HUBBUB_URL: server.url, HUBBUB_API_KEY: API_KEY });

describe('examples/http-api', () => {
  it('publish.py publishes with the standard library; a retry with the same key is delivered once', async () => {
    const python = tool('python3');
    const args = ['publish.py', 'news.weather', '{"temp": 21}', 'weather-0800'];
    const first = JSON.parse((await run(python, args, { cwd: DIR, env: env() })).stdout);
    const retry = JSON.parse((await run(python, args, { cwd: DIR, env: env() })).stdout);
    expect(first).toMatchObject({ offset: expect.any(Number), duplicate: false });
    expect(retry).toEqual({ ...first, duplicate: true });
    await waitFor(() => got.length >= 1, 10_000, 'the delivery');
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([{ temp: 21 }]);
  });

  it('publish.py reports a refusal with its code', async () => {
    const python = tool('python3');
    const failed = await run(python, ['publish.py', 'bad topic', '1'], { cwd: DIR, env: env() }).catch(
      (e) => e,
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('400 BAD_TOPIC');
  });

  it('publish.sh publishes with curl', async () => {
    tool('curl');
    const out = await run('sh', ['publish.sh', 'news.weather', '{"temp":22}'], { cwd: DIR, env: env() });
    expect(JSON.parse(out.stdout)).toMatchObject({ offset: expect.any(Number), duplicate: false });
    await waitFor(() => got.length === 2, 10_000, 'the curl delivery');
    expect(got[1]).toEqual({ temp: 22 });
  });
});
