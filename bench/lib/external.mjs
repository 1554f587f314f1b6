/**
 * Brokers that run as their own process (nats-server, mosquitto): find or install the binary,
 * start it as a child of the benchmark server process (which `taskset` pinned, so the child
 * inherits the core), and read its CPU time and resident memory from /proc by its pid.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { procCpuUs, stopChild } from './procs.mjs';

function onPath(command) {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Path of `command`; when it is missing and this process runs as root with apt-get, installs
 * Debian's `debPackage` first. Throws an error naming the package otherwise.
 */
export function requireBinary(command, debPackage) {
  const found = onPath(command);
  if (found) return found;
  if (process.getuid?.() === 0 && onPath('apt-get')) {
    try {
      execFileSync(
        'sh',
        ['-c', `apt-get install -y ${debPackage} || (apt-get update && apt-get install -y ${debPackage})`],
        {
          stdio: 'ignore',
          env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        },
      );
    } catch {
      // reported below
    }
    const installed = onPath(command);
    if (installed) return installed;
  }
  throw new Error(`${command} not found: install Debian's ${debPackage} (apt-get install -y ${debPackage})`);
}

/** Resolves once a TCP connection to 127.0.0.1:`port` succeeds, or rejects after `timeoutMs`. */
export async function waitForPort(port, timeoutMs, label) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`${label} did not listen on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Spawns `binary args` and waits for `port` to accept connections. Its output is kept (the last
 * 4 KB) for the error message if it exits early. `dir`, the broker's temporary directory (its
 * config, its store), is removed when it stops. The benchmark server process may exit before
 * `stop()` ran, so the broker is also killed, and `dir` removed, when that process exits.
 */
export async function startExternal({ binary, args, port, label, dir }) {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const removeDir = () => dir && rmSync(dir, { recursive: true, force: true });
  const onExit = () => {
    child.kill('SIGKILL');
    removeDir();
  };
  process.once('exit', onExit);
  const stop = async () => {
    await stopChild(child, 5_000);
    process.off('exit', onExit);
    removeDir();
  };
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-4096);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${label} exited (${code}) before listening:\n${output}`))),
  );
  exited.catch(() => {});
  try {
    await Promise.race([waitForPort(port, 15_000, label), exited]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { child, pid: child.pid, stop };
}

/**
 * The figures `bench/server.mjs` reports for an external process, shaped like
 * `process.cpuUsage()` and `process.memoryUsage()` (heap figures are 0: not a V8 process).
 */
export function externalStats(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return {
    cpu: { user: procCpuUs(pid), system: 0 },
    mem: { rss: rssKB * 1024, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 },
  };
}
