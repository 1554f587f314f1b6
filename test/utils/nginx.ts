/**
 * Runs Debian's nginx on loopback with the config rendered from docker/nginx.conf.template, so
 * tests exercise the same load-balancer config the compose deployment uses.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNginxConfig } from '../../docker/render-nginx.mjs';
import { aptInstall, freePort, which } from './process.js';
import { waitFor } from './wait.js';

export interface NginxHandle {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Path of the nginx binary, installing Debian's package when running as root. */
function nginxBinary(): string {
  const found = which('nginx');
  if (found) return found;
  const installed = aptInstall('nginx', 'nginx');
  if (installed) return installed;
  throw new Error("nginx is needed for this test: install Debian's nginx (apt-get install nginx)");
}

/** Starts nginx in the foreground on a free loopback port, balancing over `upstreams`. */
export async function startNginx(upstreams: readonly string[]): Promise<NginxHandle> {
  const binary = nginxBinary();
  const prefix = mkdtempSync(join(tmpdir(), 'hubbub-nginx-'));
  const port = await freePort();
  const config = writeNginxConfig(prefix, {
    upstreams,
    listen: `127.0.0.1:${port}`,
    workerProcesses: 1,
    accessLog: 'off',
  });
  execFileSync(binary, ['-t', '-p', prefix, '-c', config, '-e', join(prefix, 'error.log')], {
    stdio: 'pipe',
  });
  const child: ChildProcess = spawn(
    binary,
    ['-p', prefix, '-c', config, '-e', join(prefix, 'error.log'), '-g', 'daemon off;'],
    { stdio: 'ignore' },
  );
  await waitFor(
    async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        return res.status > 0;
      } catch {
        return false;
      }
    },
    10_000,
    'nginx to answer',
  );
  return {
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGQUIT');
        await exited;
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
