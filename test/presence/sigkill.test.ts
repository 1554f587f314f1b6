/**
 * A hub process SIGKILLed with members on it: the other hubs remove those members, with one
 * `leave` each, once the dead hub's entry expires (the broker's presence ttl plus one refresh).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Subscription } from '@hubbub/client';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../utils/client.js';
import { freePort, waitForOutput } from '../utils/process.js';
import { type RedisHandle, startRedis } from '../utils/redis.js';
import { waitFor } from '../utils/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let redis: RedisHandle;
let bundle: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedis({ own: true });
  // Inside the repo, so the bundle's bare imports (ws, ioredis, nanoid) resolve from its node_modules.
  const dir = join(ROOT, 'node_modules', '.cache');
  mkdirSync(dir, { recursive: true });
  bundle = join(mkdtempSync(join(dir, 'hubbub-presence-')), 'instance.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./instance.ts', import.meta.url))],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    alias: {
      '@hubbub/server': join(ROOT, 'packages/server/src/index.ts'),
      '@hubbub/protocol': join(ROOT, 'packages/protocol/src/index.ts'),
    },
    // Dependencies resolve from the repo's node_modules at run time.
    packages: 'external',
    logLevel: 'silent',
  });
});
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await redis?.stop();
  if (bundle) rmSync(dirname(bundle), { recursive: true, force: true });
});

async function instance(prefix: string): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [bundle, String(port), redis.url, prefix], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  await waitForOutput(child, /listening/, 20_000, `hub process on port ${port}`);
  return { port, child };
}

function watch(sub: Subscription): string[] {
  const seen: string[] = [];
  sub.on('join', (m) => seen.push(`join ${m.sid}`));
  sub.on('leave', (m) => seen.push(`leave ${m.sid}`));
  return seen;
}

describe('presence when a hub process is SIGKILLed', () => {
  it("removes the dead hub's members from every other hub, with one leave each", async () => {
    const survivor = await instance('sigkill');
    const victim = await instance('sigkill');
    const watcher = connectClient(survivor.port, { token: 'wendy' });
    const events = watch(watcher.subscribe('room.crash', () => {}));
    await waitFor(() => events.length === 1, 10_000, "the watcher's own join");
    const tabs = ['ada', 'ada', 'bob'].map((user) => {
      const client = connectClient(victim.port, {
        token: user,
        reconnect: { maxAttempts: 1_000, minDelayMs: 200 },
      });
      client.subscribe('room.crash', () => {});
      return client;
    });
    await waitFor(() => events.length === 4, 10_000, "the victim's members' joins");
    const victimSids = events.slice(1).map((e) => e.split(' ')[1]);
    victim.child.kill('SIGKILL');
    await waitFor(() => events.length === 7, 10_000, "the dead hub's members' leaves");
    expect(events.slice(4).sort()).toEqual(victimSids.map((sid) => `leave ${sid}`).sort());
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(events).toHaveLength(7);
    for (const tab of tabs) tab.close();
  });
});
