/**
 * Runs Debian's nginx with the config rendered from docker/nginx.conf.template, on loopback
 * ports, in a temp prefix: nothing under /etc, /run or /var is touched.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NginxOptions, writeNginxConfig } from '../../../../docker/render-nginx.mjs';
import { freePort } from '../../../../test/utils/process.js';

/** Debian's nginx binary. */
export const NGINX = '/usr/sbin/nginx';

/** Throws a clear error when nginx is not installed. */
export function requireNginx(): string {
  if (!existsSync(NGINX)) throw new Error(`nginx is required at ${NGINX} (Debian: apt-get install nginx)`);
  return NGINX;
}

/** A self-signed certificate for 127.0.0.1 / localhost, written into `dir`. */
export function makeCertificate(dir: string): { certificate: string; certificateKey: string } {
  const certificate = join(dir, 'tls.crt');
  const certificateKey = join(dir, 'tls.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      certificateKey,
      '-out',
      certificate,
    ],
    { stdio: 'pipe' },
  );
  return { certificate, certificateKey };
}

/** Runs `nginx -t` on a config and returns its exit status and output (nginx reports on stderr). */
export function nginxTest(prefix: string, configPath: string): { status: number | null; output: string } {
  const run = spawnSync(requireNginx(), ['-t', '-p', prefix, '-c', configPath], { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`nginx exited with ${child.exitCode}`));
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline)
          reject(new Error(`nginx did not listen on ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** A running nginx. */
export interface RunningNginx {
  readonly httpPort: number;
  readonly tlsPort: number | undefined;
  readonly certificate: string | undefined;
  readonly configPath: string;
  stop(): Promise<void>;
}

/** Starts nginx in front of `upstreams` with a plain listener and, with `tls`, a TLS one. */
export async function startNginx(
  upstreams: readonly string[],
  opts: Omit<Partial<NginxOptions>, 'tls'> & { tls?: boolean } = {},
): Promise<RunningNginx> {
  const nginx = requireNginx();
  const prefix = mkdtempSync(join(tmpdir(), 'hubbub-nginx-'));
  const httpPort = await freePort();
  const tlsPort = opts.tls ? await freePort() : undefined;
  const cert = opts.tls ? makeCertificate(prefix) : undefined;
  const configPath = writeNginxConfig(prefix, {
    ...opts,
    upstreams,
    listen: `127.0.0.1:${httpPort}`,
    workerProcesses: 1,
    tls: cert && tlsPort ? { listen: `127.0.0.1:${tlsPort}`, ...cert } : undefined,
  });
  const child = spawn(nginx, ['-p', prefix, '-c', configPath, '-g', 'daemon off;'], { stdio: 'pipe' });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  try {
    await waitForPort(httpPort, child, 10_000);
    if (tlsPort) await waitForPort(tlsPort, child, 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(prefix, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  return {
    httpPort,
    tlsPort,
    certificate: cert?.certificate,
    configPath,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
