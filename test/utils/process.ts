/** Helpers for tests that start real processes: free ports, PATH lookups, readiness by output. */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 at the time of the call. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Absolute path of a command on PATH (or in /usr/sbin, /usr/bin), or undefined. */
export function which(command: string): string | undefined {
  try {
    const out = execFileSync(
      'sh',
      ['-c', `command -v ${command} || ls /usr/sbin/${command} /usr/bin/${command} 2>/dev/null | head -1`],
      {
        encoding: 'utf8',
      },
    ).trim();
    return out || undefined;
  } catch {
    return undefined;
  }
}

/** Resolves when the child's stdout or stderr matches `pattern`; rejects on exit or timeout. */
export function waitForOutput(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs: number,
  what: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) done();
    };
    const onExit = (code: number | null) =>
      done(new Error(`${what} exited (${code}) before it was ready:\n${seen}`));
    const timer = setTimeout(
      () => done(new Error(`${what} not ready within ${timeoutMs} ms:\n${seen}`)),
      timeoutMs,
    );
    function done(err?: Error) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/**
 * Installs a Debian package when the process runs as root with apt-get, and returns the path of
 * `command` afterwards (undefined when it still is not there).
 */
export function aptInstall(pkg: string, command: string): string | undefined {
  if (process.getuid?.() !== 0 || !which('apt-get')) return undefined;
  execFileSync(
    'sh',
    ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg}`],
    {
      stdio: 'ignore',
      timeout: 600_000,
    },
  );
  return which(command);
}
