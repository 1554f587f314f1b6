/**
 * The failover rig: Redis, three hub processes (built packages, as users run them), Debian's
 * nginx in front with the config rendered from docker/nginx.conf.template, and SDK clients that
 * subscribe through nginx and record every message they get.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Client, createClient, type Subscription } from '@hubbub/client';
import { collectErrors } from '../utils/errors.js';
import { startNginx } from '../utils/nginx.js';
import { freePort, waitForOutput } from '../utils/process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const INSTANCE = fileURLToPath(new URL('./instance.mjs', import.meta.url));

/** Whether a package's dist is missing or older than any of its sources, at any depth. */
function isStale(pkg: string): boolean {
  const dist = `${ROOT}/packages/${pkg}/dist/index.js`;
  if (!existsSync(dist)) return true;
  const newer = execFileSync(
    'find',
    [`${ROOT}/packages/${pkg}/src`, '-name', '*.ts', '-newer', dist, '-print', '-quit'],
    { encoding: 'utf8' },
  );
  return newer.trim() !== '';
}

/** Held while one test file builds, so two failover files never build over each other. */
const BUILD_LOCK = join(tmpdir(), 'hubbub-failover-build.lock');

/**
 * Builds the packages when dist is missing or older than the sources (CI builds before tests).
 * Only what the instances import: a package in progress elsewhere must not stop this test.
 */
export function ensureBuilt(): void {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`build lock ${BUILD_LOCK} held for 5 minutes`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    for (const pkg of ['protocol', 'server']) {
      if (isStale(pkg)) {
        execFileSync('npm', ['run', 'build', '-w', `@hubbub/${pkg}`], {
          cwd: ROOT,
          stdio: 'ignore',
          timeout: 300_000,
        });
      }
    }
  } finally {
    rmdirSync(BUILD_LOCK);
  }
}

export interface Instance {
  readonly port: number;
  readonly child: ChildProcess;
}

/**
 * Starts one hub process on `port` (default: a free loopback port), e.g. the port of an instance
 * being restarted; `HUBBUB_FAILOVER_LOG` names a file for its output.
 */
export async function startInstance(redisUrl: string, fixedPort?: number): Promise<Instance> {
  const port = fixedPort ?? (await freePort());
  const child = spawn(process.execPath, [INSTANCE, String(port), redisUrl], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = process.env.HUBBUB_FAILOVER_LOG;
  if (log) {
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => appendFileSync(log, `[${port}] ${chunk.toString()}`));
    }
  }
  await waitForOutput(child, /listening/, 20_000, `hub instance on port ${port}`);
  return { port, child };
}

/** Signals an instance and waits for it to exit. */
export async function stopInstance(instance: Instance, signal: NodeJS.Signals): Promise<void> {
  const { child } = instance;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

/** What one client saw. */
export interface Observer {
  readonly client: Client;
  readonly sub: Subscription;
  /** `seq` of every message delivered to the handler, in delivery order. */
  readonly seqs: number[];
  /** `epoch:offset` of every message delivered. */
  readonly positions: string[];
  /** Milliseconds from losing the link to the subscription being confirmed again. */
  readonly recoveries: number[];
  readonly gaps: { epochChanged: boolean }[];
  /** Replayed messages whose epoch differs from the message before them: a wrong replay. */
  wrongReplays: number;
  subscribed: boolean;
}

/** Creates a client through `url` subscribed to `topic`, recording what it gets. */
export function observe(url: string, topic: string): Observer {
  const client = createClient({
    url,
    reconnect: { minDelayMs: 50, maxDelayMs: 1_000 },
  });
  collectErrors(client);
  const seqs: number[] = [];
  const positions: string[] = [];
  let lastEpoch: string | undefined;
  const sub = client.subscribe(topic, (data, meta) => {
    seqs.push((data as { seq: number }).seq);
    positions.push(`${meta.epoch}:${meta.offset}`);
    if (meta.replayed && lastEpoch !== undefined && lastEpoch !== meta.epoch) observer.wrongReplays++;
    lastEpoch = meta.epoch;
  });
  const observer: Observer = {
    client,
    sub,
    seqs,
    positions,
    recoveries: [],
    gaps: [],
    wrongReplays: 0,
    subscribed: false,
  };
  let lostAt: number | undefined;
  client.on('state', ({ to }) => {
    if (to === 'reconnecting' && lostAt === undefined) lostAt = performance.now();
  });
  sub.on('subscribed', () => {
    observer.subscribed = true;
    if (lostAt !== undefined) observer.recoveries.push(performance.now() - lostAt);
    lostAt = undefined;
  });
  sub.on('gap', (ctx) => observer.gaps.push(ctx));
  client.on('error', () => {});
  return observer;
}

/** Counts what went wrong in one client's sequence, against 0..total-1 in order. */
export function audit(seqs: readonly number[], total: number) {
  const seen = new Set<number>();
  let duplicated = 0;
  let reordered = 0;
  let prev = -1;
  for (const seq of seqs) {
    if (seen.has(seq)) duplicated++;
    else if (seq < prev) reordered++;
    seen.add(seq);
    prev = Math.max(prev, seq);
  }
  let lost = 0;
  for (let i = 0; i < total; i++) if (!seen.has(i)) lost++;
  return { lost, duplicated, reordered };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export { startNginx };
