/**
 * The `hubbub` command built from the sources (esbuild, the workspace packages inlined, npm
 * dependencies left to node_modules) and run as a child process, as `npx hubbub` runs the built one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PACKAGES = fileURLToPath(new URL('../../..', import.meta.url));
// Inside node_modules so the bundle's bare imports (jose, ws, ioredis, prom-client) resolve.
const OUT_DIR = fileURLToPath(new URL('../../node_modules/.cache/hubbub-cli/', import.meta.url));

let built: Promise<string> | undefined;

/** Bundles src/cli.ts once per test file; resolves with the bundle's path. */
export function buildCli(): Promise<string> {
  built ??= (async () => {
    mkdirSync(OUT_DIR, { recursive: true });
    const outfile = `${OUT_DIR}cli-${process.pid}.mjs`;
    await build({
      entryPoints: [`${PACKAGES}standalone/src/cli.ts`],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      alias: {
        '@hubbub/protocol': `${PACKAGES}protocol/src/index.ts`,
        '@hubbub/server': `${PACKAGES}server/src/index.ts`,
      },
      logLevel: 'silent',
    });
    return outfile;
  })();
  return built;
}

/** A running `hubbub` process and everything it printed so far. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the exit code (or signal name) once the process ends. */
  readonly exited: Promise<number | string>;
}

/** Starts the command with `args` and exactly `env` (plus PATH). */
export async function runCli(
  args: readonly string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<CliProcess> {
  const cli = await buildCli();
  const child = spawn(process.execPath, [cli, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return { child, output: () => out, exited };
}

/** Resolves once the output matches `pattern`; rejects (with the output) on exit or after `timeoutMs`. */
export async function waitForLine(
  cli: CliProcess,
  pattern: RegExp,
  timeoutMs = 20_000,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void cli.exited.then(() => {
    exited = true;
  });
  for (;;) {
    const match = cli.output().match(pattern);
    if (match) return match;
    if (exited || Date.now() > deadline) {
      throw new Error(
        `no ${pattern} in the output of hubbub${exited ? ' (it exited)' : ''}:\n${cli.output()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sends `signal` (if still running) and resolves with the exit code. */
export async function stopCli(cli: CliProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
  if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill(signal);
  return cli.exited;
}
