/**
 * A Redis Sentinel group on loopback for failover tests: a primary, a replica that replicates
 * THROUGH a {@link TcpProxy} (so its lag can be made real: `link.delay(500, 'down')` holds the
 * replication stream half a second), and three `redis-server --sentinel` processes with short
 * timeouts. Clients reach the primary and, after promotion, the replica directly.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, waitForOutput } from './process.js';
import { startProxy, type TcpProxy } from './proxy.js';
import { type RedisHandle, redisServerBinary, startRedis } from './redis.js';
import { waitFor } from './wait.js';

/** Name the sentinels monitor the primary under. */
export const MASTER_NAME = 'mymaster';

/** A running group; end it with `stop()` in `afterAll`. */
export interface SentinelGroup {
  readonly name: string;
  readonly primary: RedisHandle;
  readonly replica: RedisHandle;
  /** The replication link: the replica connects to the primary through it. */
  readonly link: TcpProxy;
  /** Where the sentinels listen, as ioredis takes them (`new Redis({ sentinels, name })`). */
  readonly sentinels: readonly { readonly host: string; readonly port: number }[];
  /** Pids of the sentinel processes. */
  readonly sentinelPids: readonly number[];
  /** Port of the master the first sentinel names now. */
  masterPort(): Promise<number>;
  /** Resolves once every sentinel names the replica as the master. */
  waitForPromotion(timeoutMs: number): Promise<void>;
  /** Ends every process by pid and removes their files. */
  stop(): Promise<void>;
}

/** Options of {@link startSentinelGroup}. */
export interface SentinelGroupOptions {
  /**
   * Silence after which a sentinel thinks the primary is down.
   * @default 1_000
   */
  readonly downAfterMs?: number;
}

async function query<T>(port: number, run: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await run(redis);
  } finally {
    redis.disconnect();
  }
}

async function startSentinel(binary: string, primaryPort: number, downAfterMs: number, dir: string) {
  const port = await freePort();
  const config = join(dir, `sentinel-${port}.conf`);
  // failover-timeout is long on purpose: past it a sentinel "fixes" a replica whose master
  // address differs from the one it monitors — ours goes through the proxy — by pointing it at
  // the primary directly, which would bypass the lag. Promotion itself does not wait for it.
  writeFileSync(
    config,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primaryPort} 2`,
      `sentinel down-after-milliseconds ${MASTER_NAME} ${downAfterMs}`,
      `sentinel failover-timeout ${MASTER_NAME} 120000`,
      `sentinel parallel-syncs ${MASTER_NAME} 1`,
      '',
    ].join('\n'),
  );
  const child = spawn(binary, [config, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForOutput(child, /\+monitor master/, 15_000, `sentinel on port ${port}`);
  return { port, child };
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid as number, 'SIGKILL');
  await exited;
}

/** Starts a primary, a replica through a proxy, and three sentinels that know both. */
export async function startSentinelGroup(options: SentinelGroupOptions = {}): Promise<SentinelGroup> {
  const binary = redisServerBinary();
  if (!binary) throw new Error("redis-server is needed for Sentinel tests: install Debian's redis-server");
  const downAfterMs = options.downAfterMs ?? 1_000;
  const dir = mkdtempSync(join(tmpdir(), 'hubbub-sentinel-'));
  const primary = await startRedis({ own: true });
  const link = await startProxy(primary.port);
  const replica = await startRedis({
    own: true,
    args: ['--replicaof', '127.0.0.1', String(link.port), '--replica-announce-ip', '127.0.0.1'],
  });
  const sentinels: { port: number; child: ChildProcess }[] = [];
  const stop = async () => {
    await Promise.all(sentinels.map((s) => killChild(s.child)));
    await link.close();
    await Promise.all([primary.stop(), replica.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      () => query(replica.port, async (r) => /master_link_status:up/.test(await r.info('replication'))),
      15_000,
      'the replica to sync through the proxy',
      100,
    );
    for (let i = 0; i < 3; i++) sentinels.push(await startSentinel(binary, primary.port, downAfterMs, dir));
    await waitFor(
      async () => {
        for (const s of sentinels) {
          const known = await query(s.port, async (r) => {
            const replicas = (await r.call('SENTINEL', 'REPLICAS', MASTER_NAME)) as unknown[];
            const peers = (await r.call('SENTINEL', 'SENTINELS', MASTER_NAME)) as unknown[];
            return replicas.length === 1 && peers.length === 2;
          });
          if (!known) return false;
        }
        return true;
      },
      20_000,
      'every sentinel to know the replica and the other sentinels',
      200,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const masterPortOf = (port: number) =>
    query(port, async (r) => {
      const addr = (await r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as string[];
      return Number(addr[1]);
    });
  return {
    name: MASTER_NAME,
    primary,
    replica,
    link,
    sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
    sentinelPids: sentinels.map((s) => s.child.pid as number),
    masterPort: () => masterPortOf(sentinels[0]!.port),
    async waitForPromotion(timeoutMs) {
      await waitFor(
        async () => {
          const ports = await Promise.all(sentinels.map((s) => masterPortOf(s.port).catch(() => 0)));
          if (!ports.every((p) => p === replica.port)) return false;
          return query(replica.port, async (r) => /role:master/.test(await r.info('replication')));
        },
        timeoutMs,
        'the sentinels to promote the replica',
        100,
      );
    },
    stop,
  };
}
