/**
 * docker/render-nginx.mjs as an operator uses it: `--help` lists every flag, bad flags fail with
 * status 2, and `--prefix` leaves a directory that Debian's nginx runs from as printed.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_FLAGS } from '../../docker/render-nginx.mjs';
import { freePort, which } from '../utils/process.js';
import { waitFor } from '../utils/wait.js';

const SCRIPT = new URL('../../docker/render-nginx.mjs', import.meta.url).pathname;

function run(args: string[]) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hubbub-render-nginx-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('--help', () => {
  it('documents every flag and exits 0', () => {
    const { status, stdout } = run(['--help']);
    expect(status).toBe(0);
    const undocumented = Object.keys(CLI_FLAGS).filter((flag) => !stdout.includes(`--${flag}`));
    expect(undocumented).toEqual([]);
    expect(stdout).toMatch(/^Usage: node docker\/render-nginx\.mjs/);
  });
});

describe('bad input', () => {
  it('refuses an unknown flag with status 2, naming it', () => {
    const { status, stderr } = run(['--upstreams', '127.0.0.1:3000']);
    expect(status).toBe(2);
    expect(stderr).toContain("Unknown option '--upstreams'");
  });

  it('refuses a config without upstreams with status 2', () => {
    const { status, stderr } = run(['--listen', '127.0.0.1:8080']);
    expect(status).toBe(2);
    expect(stderr).toContain('upstreams must list at least one host:port');
  });

  it('refuses --tls-listen without a certificate', () => {
    const { status, stderr } = run(['--upstream', '127.0.0.1:3000', '--tls-listen', '8443']);
    expect(status).toBe(2);
    expect(stderr).toContain('--tls-listen needs --cert and --key');
  });
});

describe('--prefix', () => {
  it('creates the directories nginx needs, and nginx runs from them as printed', async () => {
    const nginx = which('nginx');
    if (!nginx)
      throw new Error("nginx is needed for this test: install Debian's nginx (apt-get install nginx)");
    const prefix = join(tempDir(), 'fresh', 'prefix'); // does not exist yet
    const port = await freePort();
    const upstream = await freePort(); // nothing listens there: nginx answers 502
    const { status, stdout, stderr } = run([
      '--prefix',
      prefix,
      '--listen',
      `127.0.0.1:${port}`,
      '--upstream',
      `127.0.0.1:${upstream}`,
      '--worker-processes',
      '1',
      '--access-log',
      'logs/access.log',
    ]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    for (const dir of ['tmp', 'logs']) expect(existsSync(join(prefix, dir))).toBe(true);

    const printed = stdout.match(/^run: nginx (.*)$/m)?.[1];
    expect(printed).toBeDefined();
    // The printed command, as a shell would split it.
    const args = JSON.parse(
      execFileSync(
        'sh',
        ['-c', `node -e 'console.log(JSON.stringify(process.argv.slice(1)))' -- ${printed}`],
        {
          encoding: 'utf8',
        },
      ),
    ) as string[];
    const child: ChildProcess = spawn(nginx, args, { stdio: 'ignore' });
    cleanup.push(() => child.kill('SIGKILL'));
    let answered = 0;
    await waitFor(
      async () => {
        try {
          answered = (await fetch(`http://127.0.0.1:${port}/healthz`)).status;
          return true;
        } catch {
          return false;
        }
      },
      10_000,
      'nginx to answer',
    );
    expect(answered).toBe(502);
    expect(existsSync(join(prefix, 'logs', 'access.log'))).toBe(true);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGQUIT');
    await exited;
  });
});
