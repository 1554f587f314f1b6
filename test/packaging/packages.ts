/**
 * The publishable packages of the repository (every `packages/<name>` whose package.json is not
 * private) and the files their manifests point at.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What the tests read of a package.json. */
export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly license?: string;
  readonly type?: string;
  readonly sideEffects?: boolean | readonly string[];
  readonly engines?: Record<string, string>;
  readonly main?: string;
  readonly module?: string;
  readonly types?: string;
  readonly browser?: Record<string, string | false>;
  readonly bin?: string | Record<string, string>;
  readonly exports?: Record<string, unknown>;
  readonly files?: readonly string[];
  readonly repository?: { readonly type?: string; readonly url?: string; readonly directory?: string };
  readonly homepage?: string;
  readonly bugs?: { readonly url?: string };
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

/** One publishable package. */
export interface PackageInfo {
  /** Directory name under packages/, e.g. `server`. */
  readonly dir: string;
  /** Absolute path of the package directory. */
  readonly path: string;
  readonly manifest: Manifest;
}

/** Every publishable package, in dependency order (a package comes after what it depends on). */
export function publishablePackages(): PackageInfo[] {
  const all = readdirSync(join(ROOT, 'packages'))
    .filter((dir) => existsSync(join(ROOT, 'packages', dir, 'package.json')))
    .map((dir) => {
      const path = join(ROOT, 'packages', dir);
      const manifest = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as Manifest;
      return { dir, path, manifest };
    })
    .filter((p) => !p.manifest.private);
  const names = new Set(all.map((p) => p.manifest.name));
  const ordered: PackageInfo[] = [];
  const visit = (p: PackageInfo, seen: Set<string>) => {
    if (ordered.includes(p) || seen.has(p.manifest.name)) return;
    seen.add(p.manifest.name);
    for (const dep of Object.keys(p.manifest.dependencies ?? {})) {
      const d = all.find((q) => q.manifest.name === dep);
      if (d && names.has(dep)) visit(d, seen);
    }
    ordered.push(p);
  };
  for (const p of all) visit(p, new Set());
  return ordered;
}

/** A subpath export resolved for one set of conditions: the files it names. */
export interface ExportTarget {
  /** `@hubbub/client/browser`, `@hubbub/server`, ... */
  readonly specifier: string;
  /** The conditions on the way to the file, e.g. `['browser', 'require', 'types']`. */
  readonly conditions: readonly string[];
  /** Package-relative path, e.g. `./dist/index.cjs`. */
  readonly file: string;
}

/** Every file `exports` can resolve to, with the conditions that lead there. */
export function exportTargets(pkg: PackageInfo): ExportTarget[] {
  const out: ExportTarget[] = [];
  const walk = (specifier: string, node: unknown, conditions: string[]) => {
    if (typeof node === 'string') out.push({ specifier, conditions, file: node });
    else if (node && typeof node === 'object') {
      for (const [cond, next] of Object.entries(node)) walk(specifier, next, [...conditions, cond]);
    }
  };
  for (const [subpath, node] of Object.entries(pkg.manifest.exports ?? {})) {
    const specifier = subpath === '.' ? pkg.manifest.name : `${pkg.manifest.name}/${subpath.slice(2)}`;
    walk(specifier, node, []);
  }
  return out;
}

/** Package-relative paths of every file the manifest points at (`exports`, `main`, `types`, ...). */
export function referencedFiles(pkg: PackageInfo): string[] {
  const m = pkg.manifest;
  const files = new Set<string>();
  for (const f of [m.main, m.module, m.types]) if (f) files.add(f);
  for (const f of typeof m.bin === 'string' ? [m.bin] : Object.values(m.bin ?? {})) files.add(f);
  for (const [from, to] of Object.entries(m.browser ?? {})) {
    files.add(from);
    if (to) files.add(to);
  }
  for (const t of exportTargets(pkg)) files.add(t.file);
  return [...files].map((f) => f.replace(/^\.\//, ''));
}

/**
 * Throws, naming the first missing file and the command that makes it, unless every package's
 * referenced files exist. The packaging tests check what `npm run build` produced (CI builds
 * before `npm test`, see `.ci/run`); they do not build themselves, to keep `npm test` fast. After
 * changing sources, build again before running them.
 */
export function assertBuilt(packages = publishablePackages()): void {
  for (const pkg of packages) {
    for (const file of referencedFiles(pkg)) {
      if (file === 'package.json') continue;
      if (!existsSync(join(pkg.path, file))) {
        throw new Error(`packages/${pkg.dir}/${file} is missing: run \`npm run build\` before these tests`);
      }
    }
  }
}
