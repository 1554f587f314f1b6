/**
 * `npm start` (scripts/start.mjs) as a user runs it: it builds what is missing, starts the chat,
 * prints the URL, and on SIGTERM tells its clients to go away (1001) and exits cleanly.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Client, createClient } from '@hubbub/client';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, waitForOutput } from '../../../test/utils/process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('npm start', () => {
  let child: ChildProcess | undefined;
  let client: Client | undefined;
  let output = '';

  afterAll(() => {
    client?.close();
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('serves the chat, then drains on SIGTERM and exits 0', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DRAIN_MS: '300', REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitForOutput(
      child,
      /Open http:\/\/127\.0\.0\.1:\d+\/ in two browser windows/,
      110_000,
      'npm start',
    );
    expect(output).toContain(`Hubbub chat listening on http://127.0.0.1:${port}/ (broker: in-memory)`);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);

    client = createClient({
      url: `ws://127.0.0.1:${port}/ws`,
      token: 'guest-start',
      reconnect: { maxAttempts: 0 },
    });
    await client.publish('chat.lobby', { name: 'start', text: 'hello' });
    const closed = new Promise<number>((resolve) => client!.once('close', ({ code }) => resolve(code)));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await closed).toBe(1001);
    expect(await exited).toBe(0);
    expect(output).toContain('SIGTERM: draining for up to 300 ms');
  }, 120_000);
});
