/**
 * Every entry point of every package loads from the installed tarballs, as `require` and as
 * `import`, the way the oldest Node that `engines` allows would load it: Node before 20.19 has no
 * `require()` of ES modules, so the CommonJS entries run with `--no-experimental-require-module`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportTargets, publishablePackages } from './packages.js';
import { type PackedProject, packedProject } from './packed.js';

/** Entry points that are ES modules only, by design. */
const ESM_ONLY = new Set([
  // One file for pages without a bundler (`<script type="module">`).
  '@hubbub/client/browser.bundle.js',
]);

// Node 20.11–20.18 cannot require() an ES module; newer Nodes can, unless told not to.
const NO_REQUIRE_ESM = process.allowedNodeEnvironmentFlags.has('--no-experimental-require-module')
  ? ['--no-experimental-require-module']
  : [];

const specifiers = [
  ...new Set(
    publishablePackages()
      .flatMap(exportTargets)
      .map((t) => t.specifier)
      .filter((s) => !s.endsWith('/package.json')),
  ),
];

let project: PackedProject;
beforeAll(() => {
  project = packedProject();
}, 120_000);

function node(args: string[]): string[] {
  const out = execFileSync(process.execPath, args, {
    cwd: project.dir,
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as string[];
}

const requireNames = (specifier: string) =>
  node([
    ...NO_REQUIRE_ESM,
    '-e',
    `process.stdout.write(JSON.stringify(Object.keys(require(${JSON.stringify(specifier)})).sort()))`,
  ]);

const importNames = (specifier: string) =>
  node([
    '--input-type=module',
    '-e',
    `const m = await import(${JSON.stringify(specifier)}); process.stdout.write(JSON.stringify(Object.keys(m).sort()))`,
  ]);

it('resolves declarations for every entry point, as import and as require (tsc, module nodenext)', () => {
  const dir = mkdtempSync(join(project.dir, 'types-'));
  try {
    const importer = (s: string, i: number) =>
      `import * as m${i} from ${JSON.stringify(s)};\nconsole.log(m${i});\n`;
    writeFileSync(join(dir, 'esm.ts'), specifiers.map(importer).join(''));
    writeFileSync(
      join(dir, 'cjs.cts'),
      specifiers
        .filter((s) => !ESM_ONLY.has(s))
        .map(importer)
        .join(''),
    );
    let output = '';
    try {
      execFileSync(
        process.execPath,
        [
          project.tsc,
          ...['--strict', '--noEmit', '--skipLibCheck', '--module', 'nodenext', '--target', 'es2022'],
          ...['--types', 'node', 'esm.ts', 'cjs.cts'],
        ],
        { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
      );
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(output).toBe('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

describe.each(specifiers.map((s) => [s]))('%s', (specifier) => {
  it('imports as an ES module', () => {
    expect(importNames(specifier).length).toBeGreaterThan(0);
  });

  if (ESM_ONLY.has(specifier)) {
    // Also shows that the CommonJS checks would catch an entry that needs require(esm).
    it('is an ES module only: require() fails on the oldest Node allowed', () => {
      expect(() => requireNames(specifier)).toThrow(/ERR_REQUIRE_ESM|require\(\) of ES Module/);
    });
  } else {
    it('requires as CommonJS with the same exports', () => {
      const esm = importNames(specifier).filter((n) => n !== 'default');
      expect(requireNames(specifier)).toEqual(esm);
    });
  }
});
