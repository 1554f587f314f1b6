/**
 * Runs Debian's nginx on loopback with the config rendered from docker/nginx.conf.template, in a
 * temp prefix (nothing under /etc, /run or /var is touched), so tests exercise the same
 * load-balancer config the compose deployment uses.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NginxOptions, nginxCommand, writeNginxConfig } from '../../docker/render-nginx.mjs';
import { aptInstall, freePort, which } from './process.js';
import { waitFor } from './wait.js';

/** Options of {@link startNginx}: any template option, and `tls` for a second, TLS listener. */
export interface StartNginxOptions extends Omit<Partial<NginxOptions>, 'upstreams' | 'listen' | 'tls'> {
  /** Adds a TLS listener with a fresh self-signed certificate for 127.0.0.1 and localhost. @default false */
  readonly tls?: boolean;
}

/** A running nginx. */
export interface NginxHandle {
  /** Port of the plain HTTP listener. */
  readonly port: number;
  /** `ws://127.0.0.1:PORT/ws` through the plain listener. */
  readonly url: string;
  readonly pid: number;
  /** Port of the TLS listener (with `tls`). */
  readonly tlsPort: number | undefined;
  /** Path of the TLS listener's certificate (with `tls`), to trust in clients. */
  readonly certificate: string | undefined;
  /** Path of the rendered config. */
  readonly configPath: string;
  /** Stops nginx (fast shutdown) and removes its prefix. */
  stop(): Promise<void>;
}

/** Path of the nginx binary, installing Debian's package when running as root; throws when absent. */
export function nginxBinary(): string {
  const found = which('nginx') ?? aptInstall('nginx', 'nginx');
  if (found) return found;
  throw new Error("nginx is needed for this test: install Debian's nginx (apt-get install nginx)");
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
  const run = spawnSync(
    nginxBinary(),
    ['-t', '-p', prefix, '-c', configPath, '-e', join(prefix, 'logs', 'error.log')],
    {
      encoding: 'utf8',
    },
  );
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Starts nginx in the foreground on a free loopback port (and a TLS one with `tls`), balancing over `upstreams`. */
export async function startNginx(
  upstreams: readonly string[],
  options: StartNginxOptions = {},
): Promise<NginxHandle> {
  const binary = nginxBinary();
  const { tls, ...rest } = options;
  const prefix = mkdtempSync(join(tmpdir(), 'hubbub-nginx-'));
  const port = await freePort();
  const tlsPort = tls ? await freePort() : undefined;
  const cert = tls ? makeCertificate(prefix) : undefined;
  const configPath = writeNginxConfig(prefix, {
    workerProcesses: 1,
    accessLog: 'off',
    ...rest,
    upstreams,
    listen: `127.0.0.1:${port}`,
    tls: cert && tlsPort ? { listen: `127.0.0.1:${tlsPort}`, ...cert } : undefined,
  });
  const child: ChildProcess = spawn(binary, nginxCommand(prefix), { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
        return (await accepts(port)) && (tlsPort === undefined || (await accepts(tlsPort)));
      },
      10_000,
      'nginx to listen',
      50,
    );
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(prefix, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  return {
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    pid: child.pid!,
    tlsPort,
    certificate: cert?.certificate,
    configPath,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
