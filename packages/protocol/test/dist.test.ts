import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));

/** Runs a script in a plain Node process from the package's folder, as a user's program would. */
function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: pkg, encoding: 'utf8' }).trim();
}

describe('built package', () => {
  beforeAll(() => {
    // CI builds before testing; a fresh clone running `npm test` alone builds here.
    if (!existsSync(`${pkg}/dist/index.cjs`) || !existsSync(`${pkg}/dist/index.js`)) {
      execFileSync('npx', ['tsup'], { cwd: pkg, stdio: 'ignore' });
    }
  }, 120_000);

  it('imports from plain Node ESM', () => {
    const out = node([
      '--input-type=module',
      '-e',
      'import { SUBPROTOCOL, decodeClientMessage } from \'@hubbub/protocol\'; console.log(SUBPROTOCOL, decodeClientMessage(\'{"type":"ping"}\').type)',
    ]);
    expect(out).toBe('hubbub.v1 ping');
  });

  it('requires from plain Node CJS', () => {
    const out = node([
      '-e',
      "const p = require('@hubbub/protocol'); console.log(p.SUBPROTOCOL, p.CloseCode.SlowConsumer)",
    ]);
    expect(out).toBe('hubbub.v1 4509');
  });

  it('ships type declarations for both', () => {
    expect(existsSync(`${pkg}/dist/index.d.ts`)).toBe(true);
    expect(existsSync(`${pkg}/dist/index.d.cts`)).toBe(true);
  });
});
