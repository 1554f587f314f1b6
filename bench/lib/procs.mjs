/**
 * Child processes of the runner: benchmark servers and load generators pinned to their own core
 * with `taskset`, their fd limit raised to the hard limit (`ulimit -n` in a `bash -c` wrapper),
 * and a throwaway `redis-server`. Every child is killed by pid when its measurement ends.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requester } from './ipc.mjs';

const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const STOP_GRACE_MS = 8_000;

function has(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** Whether processes can be pinned (taskset present and more than one core). */
export const canPin = has('taskset');

/** The hard fd limit children get as their soft limit. */
export const fdLimit =
  Number(execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim()) || 1024;

/** A TCP port free on 127.0.0.1 at the time of the call. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Stops a child: SIGTERM, then SIGKILL after a grace period. Resolves when it has exited. */
export function stopChild(child, graceMs = STOP_GRACE_MS) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Spawns `node <script> ...args` on `core` with an IPC channel; resolves once it reports ready.
 * @param {{ script: string, args: string[], core: number, nodeArgs?: string[], label: string }} o
 */
export async function spawnNode(o) {
  const cmd = [process.execPath, ...(o.nodeArgs ?? []), join(BENCH_DIR, o.script), ...o.args];
  const pin = canPin ? `exec taskset -c ${o.core} "$@"` : 'exec "$@"';
  const child = spawn('bash', ['-c', `ulimit -n ${fdLimit} && ${pin}`, 'bench', ...cmd], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const rpc = requester(child, o.label);
  const ready = await rpc.waitFor((m) => m?.ready, 30_000, 'ready message');
  return { child, pid: child.pid, ready, request: rpc.request, stop: () => stopChild(child) };
}

/** Starts `redis-server` on a free loopback port without persistence, pinned to `core`. */
export async function startRedis(core) {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = canPin
    ? spawn('taskset', ['-c', String(core), 'redis-server', ...args])
    : spawn('redis-server', args);
  await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`redis-server not ready:\n${seen}`)), 15_000);
    child.once('error', reject);
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      if (/Ready to accept connections/.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.stdout.resume();
  return {
    child,
    url: `redis://127.0.0.1:${port}`,
    cpuUs: () => procCpuUs(child.pid),
    stop: () => stopChild(child),
  };
}

/** CPU time (user + system) of a process from /proc/<pid>/stat, in microseconds. */
export function procCpuUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / CLOCK_TICKS;
}
