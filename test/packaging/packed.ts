/**
 * The packages as a user gets them: `npm pack` tarballs installed into a fresh project outside
 * the repository, with TypeScript and Node's types beside them. Built once per content of the
 * packed files and kept in the system temp directory, so the tests of one run (and the next run,
 * when nothing changed) share one install.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { assertBuilt, type PackageInfo, publishablePackages, ROOT } from './packages.js';

/** A project with the packed packages installed. */
export interface PackedProject {
  /** Absolute path of the project (its `node_modules` holds the packages). */
  readonly dir: string;
  /** Absolute paths of the tarballs, by package name. */
  readonly tarballs: ReadonlyMap<string, string>;
  /** Absolute path of the TypeScript compiler's entry (`node <tsc> -p ...`). */
  readonly tsc: string;
}

/**
 * Tools linked from the repository into the project, as a TypeScript user of the packages has
 * them. `@types/ws` is left out on purpose: a user of `@hubbub/server` must not need it.
 */
const LINKED = ['typescript', '@types/node', '@types/react'];

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
}

function packedFiles(pkg: PackageInfo): string[] {
  const out = npm(['pack', '--dry-run', '--json', '--ignore-scripts'], pkg.path);
  const [result] = JSON.parse(out) as { files: { path: string }[] }[];
  return (result?.files ?? []).map((f) => f.path).sort();
}

function contentKey(packages: readonly PackageInfo[]): string {
  const hash = createHash('sha256');
  for (const pkg of packages) {
    for (const file of packedFiles(pkg)) {
      hash.update(`${pkg.manifest.name}/${file}\0`);
      hash.update(readFileSync(join(pkg.path, file)));
    }
  }
  for (const tool of LINKED) hash.update(readFileSync(join(ROOT, 'node_modules', tool, 'package.json')));
  return hash.digest('hex').slice(0, 16);
}

function install(dir: string, tarballs: readonly string[]): void {
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'hubbub-user-project', private: true, type: 'module' }, null, 2)}\n`,
  );
  const args = ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...tarballs];
  try {
    npm([...args, '--offline'], dir);
  } catch {
    // Something the packages depend on is not in the npm cache yet: fetch it once.
    npm([...args, '--prefer-offline'], dir);
  }
  for (const tool of LINKED) {
    const target = join(dir, 'node_modules', tool);
    mkdirSync(join(target, '..'), { recursive: true });
    if (!existsSync(target)) symlinkSync(join(ROOT, 'node_modules', tool), target, 'dir');
  }
}

/** Packs every publishable package and installs the tarballs into a fresh project (cached). */
export function packedProject(): PackedProject {
  const packages = publishablePackages();
  assertBuilt(packages);
  const base = join(tmpdir(), 'hubbub-packed');
  const dir = join(base, contentKey(packages));
  const tarballs = new Map(
    packages.map((p) => [
      p.manifest.name,
      join(
        dir,
        'tarballs',
        `${p.manifest.name.replace('@', '').replace('/', '-')}-${p.manifest.version}.tgz`,
      ),
    ]),
  );
  const project = join(dir, 'project');
  const result = { dir: project, tarballs, tsc: join(project, 'node_modules', 'typescript', 'bin', 'tsc') };
  if (existsSync(join(dir, 'done'))) return result;
  // Test files run in parallel: the first builds, the others wait for it rather than pack and
  // install the same again on the same cores.
  mkdirSync(base, { recursive: true });
  const lock = `${dir}.lock`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(join(dir, 'done'))) return result;
      // A lock left by a process that died while building: take it over.
      const locked = statSync(lock, { throwIfNoEntry: false });
      if (locked && Date.now() - locked.mtimeMs > 300_000) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for another test to set up ${dir}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (!existsSync(join(dir, 'done'))) build(packages, dir, tarballs);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return result;
}

function build(packages: readonly PackageInfo[], dir: string, tarballs: ReadonlyMap<string, string>): void {
  // Build beside the final place, then move it there in one rename, so no reader ever sees half
  // an install.
  const staging = `${dir}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'tarballs'), { recursive: true });
  mkdirSync(join(staging, 'project'), { recursive: true });
  for (const pkg of packages) {
    npm(['pack', '--ignore-scripts', '--pack-destination', join(staging, 'tarballs')], pkg.path);
  }
  install(
    join(staging, 'project'),
    [...tarballs.values()].map((t) => t.replace(dir, staging)),
  );
  writeFileSync(join(staging, 'done'), '');
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  // Installs of older contents, unused for a day, go.
  const base = dirname(dir);
  for (const entry of readdirSync(base)) {
    const path = join(base, entry);
    if (path !== dir && Date.now() - statSync(path).mtimeMs > 86_400_000)
      rmSync(path, { recursive: true, force: true });
  }
}
