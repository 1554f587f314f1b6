/**
 * A client SDK publisher in a process of its own, for tests that stall the test process (and so
 * the hub in it) while the publisher keeps sending. The entry is bundled from the sources with
 * esbuild, `ws` included, so the child needs no build of the packages.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { disposeLater } from '../../../../test/utils/dispose.js';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** What the publisher reports once every publish settled. */
export interface PublisherResult {
  /** `'acked'`, or the error code each publish rejected with, in publish order. */
  readonly outcomes: string[];
  /** Codes of the client's `error` events. */
  readonly reported: string[];
}

/** A running publisher process. */
export interface PublisherProcess {
  readonly child: ChildProcess;
  /** Resolves with the report; rejects when the process exits without one. */
  readonly result: Promise<PublisherResult>;
}

/** Starts a process that publishes `count` messages to `topic` on `url`; killed when the test ends. */
export async function startPublisherProcess(
  url: string,
  topic: string,
  count: number,
): Promise<PublisherProcess> {
  const bundled = await build({
    entryPoints: [source('./publisher-process.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    alias: {
      '@hubbub/client': source('../../src/index.ts'),
      '@hubbub/protocol': source('../../../protocol/src/index.ts'),
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'hubbub-publisher-'));
  const file = join(dir, 'publisher.cjs');
  writeFileSync(file, bundled.outputFiles[0]!.text);
  const child = spawn(process.execPath, [file, url, topic, String(count)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  disposeLater(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const result = new Promise<PublisherResult>((resolve, reject) => {
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as PublisherResult);
      else reject(new Error(`publisher exited (${code}) without a report:\n${err}`));
    });
  });
  return { child, result };
}
