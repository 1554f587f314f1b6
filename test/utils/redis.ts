/**
 * Hands a test suite a real Redis server, in this order: `REDIS_URL` when set; a `redis-server`
 * binary on PATH, spawned on a free loopback port; a container through testcontainers when a
 * Docker engine answers; Debian's `redis-server`, installed with apt-get when running as root.
 * Otherwise it throws, naming what is missing. It never skips.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aptInstall, freePort, waitForOutput, which } from './process.js';

export interface RedisHandle {
  /** `redis://127.0.0.1:PORT` (or REDIS_URL). */
  readonly url: string;
  readonly port: number;
  /** How this Redis was obtained. */
  readonly source: 'env' | 'binary' | 'container' | 'apt';
  /** Kills the server (SIGKILL) without persistence: its data is gone. Spawned servers only. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. Spawned servers only. */
  restart(): Promise<void>;
  /** Stops it and removes its files. */
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** Extra `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  readonly args?: readonly string[];
  /** Ignore REDIS_URL (for tests that must own the server, e.g. to restart it). */
  readonly own?: boolean;
  /** Fixed port instead of a free one. */
  readonly port?: number;
}

/** Path of a `redis-server` binary, installing Debian's package when allowed. */
export function redisServerBinary(): string | undefined {
  const found = which('redis-server');
  if (found) return found;
  return aptInstall('redis-server', 'redis-server');
}

async function spawnRedis(binary: string, port: number, args: readonly string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'hubbub-redis-'));
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitForOutput(child, /Ready to accept connections/, 15_000, `redis-server on port ${port}`);
  return { child, dir };
}

async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

async function fromBinary(binary: string, opts: StartRedisOptions, source: RedisHandle['source']) {
  const port = opts.port ?? (await freePort());
  const args = opts.args ?? [];
  let current = await spawnRedis(binary, port, args);
  const dirs = [current.dir];
  const handle: RedisHandle = {
    url: `redis://127.0.0.1:${port}`,
    port,
    source,
    kill: () => killChild(current.child),
    async restart() {
      await killChild(current.child);
      current = await spawnRedis(binary, port, args);
      dirs.push(current.dir);
    },
    async stop() {
      await killChild(current.child);
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

async function fromContainer(): Promise<RedisHandle | undefined> {
  try {
    const { GenericContainer, getContainerRuntimeClient } = await import('testcontainers');
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 5_000)),
    ]);
    const container = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
    const port = container.getMappedPort(6379);
    const unsupported = async () => {
      throw new Error('kill/restart are not supported on a container Redis');
    };
    return {
      url: `redis://${container.getHost()}:${port}`,
      port,
      source: 'container',
      kill: unsupported,
      restart: unsupported,
      stop: async () => void (await container.stop()),
    };
  } catch {
    return undefined;
  }
}

/** Starts (or finds) a real Redis for a test suite. Call `stop()` in `afterAll`. */
export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisHandle> {
  const envUrl = process.env.REDIS_URL;
  if (envUrl && !opts.own) {
    const port = Number(new URL(envUrl).port || 6379);
    const unsupported = async () => {
      throw new Error('kill/restart need a Redis the test spawns itself (unset REDIS_URL)');
    };
    return {
      url: envUrl,
      port,
      source: 'env',
      kill: unsupported,
      restart: unsupported,
      stop: async () => {},
    };
  }
  const onPath = which('redis-server');
  if (onPath) return fromBinary(onPath, opts, 'binary');
  if (!opts.own && !opts.args) {
    const container = await fromContainer();
    if (container) return container;
  }
  const installed = redisServerBinary();
  if (installed) return fromBinary(installed, opts, 'apt');
  throw new Error(
    'No Redis for the tests: REDIS_URL is not set, no redis-server on PATH, no Docker engine for ' +
      'testcontainers, and apt-get cannot install redis-server here (needs root). Install redis-server ' +
      'or set REDIS_URL.',
  );
}
