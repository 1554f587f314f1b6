/**
 * What `npm pack` would publish, package by package: everything a user needs (LICENSE, README,
 * every file the manifest points at), nothing they do not (tests, sources outside dist), and the
 * metadata a registry page shows.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type PackageInfo, publishablePackages, ROOT, referencedFiles } from './packages.js';

const REPO = 'https://github.com/hubbub-dev/hubbub';
const packages = publishablePackages();

interface PackResult {
  readonly name: string;
  readonly files: readonly { readonly path: string; readonly size: number }[];
}

/** Whether an installed dependency ships its own declarations. */
function shipsTypes(name: string): boolean {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
    types?: string;
    typings?: string;
    exports?: unknown;
  };
  return (
    Boolean(manifest.types ?? manifest.typings) || JSON.stringify(manifest.exports ?? {}).includes('"types"')
  );
}

function packDryRun(pkg: PackageInfo): PackResult {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: pkg.path,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [result] = JSON.parse(out) as PackResult[];
  if (!result) throw new Error(`npm pack --dry-run printed nothing for ${pkg.manifest.name}`);
  return result;
}

it('finds the packages', () => {
  expect(packages.map((p) => p.manifest.name)).toEqual(
    expect.arrayContaining(['@hubbub/protocol', '@hubbub/server', '@hubbub/client']),
  );
});

describe.each(packages.map((p) => [p.manifest.name, p] as const))('%s', (_name, pkg) => {
  let files: string[] = [];
  beforeAll(() => {
    assertBuilt([pkg]);
    files = packDryRun(pkg).files.map((f) => f.path);
  });

  it('ships LICENSE, README.md, package.json and every file the manifest points at', () => {
    const missing = ['LICENSE', 'README.md', 'package.json', ...referencedFiles(pkg)].filter(
      (f) => !files.includes(f),
    );
    expect(missing).toEqual([]);
  });

  it('ships nothing but dist and the documents', () => {
    const extra = files.filter(
      (f) => !f.startsWith('dist/') && !/^(LICENSE|[A-Z]+\.md|package\.json)$/.test(f),
    );
    expect(extra).toEqual([]);
    expect(files.filter((f) => /(^|\/)(test|tests|__tests__|src)\//.test(f))).toEqual([]);
    expect(files.filter((f) => /\.(test|spec)(-d)?\.[cm]?[jt]sx?$/.test(f))).toEqual([]);
    expect(files.filter((f) => /\.tsx?$/.test(f) && !/\.d\.[cm]?ts$/.test(f))).toEqual([]);
  });

  it('ships source maps that carry their sources, so none points at a file left out', () => {
    const maps = files.filter((f) => f.endsWith('.map'));
    const incomplete = maps.filter((f) => {
      const map = JSON.parse(readFileSync(join(pkg.path, f), 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      return map.sources.some((_, i) => typeof map.sourcesContent?.[i] !== 'string');
    });
    expect(incomplete).toEqual([]);
  });

  it('has the metadata a registry page shows', () => {
    const m = pkg.manifest;
    expect(m.license).toBe('MIT');
    expect(readFileSync(join(pkg.path, 'LICENSE'), 'utf8')).toBe(readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
    expect(m.repository).toEqual({ type: 'git', url: `git+${REPO}.git`, directory: `packages/${pkg.dir}` });
    expect(m.homepage).toBe(`${REPO}/tree/main/packages/${pkg.dir}#readme`);
    expect(m.bugs).toEqual({ url: `${REPO}/issues` });
    expect(m.sideEffects).toBe(false);
    expect(m.engines?.node).toBe('>=20.11');
    expect(m.type).toBe('module');
  });

  it('has declarations that need nothing but its dependencies (no @types/ws for users)', () => {
    // A dependency's types must come with the package; a peer dependency (react) is the user's
    // own, with the types they installed for it.
    const deps = pkg.manifest.dependencies ?? {};
    const peers = pkg.manifest.peerDependencies ?? {};
    const problems: string[] = [];
    for (const file of files.filter((f) => /\.d\.c?ts$/.test(f))) {
      const text = readFileSync(join(pkg.path, file), 'utf8');
      for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        if (!specifier || specifier.startsWith('.') || specifier.startsWith('node:')) continue;
        const name = specifier.startsWith('@')
          ? specifier.split('/').slice(0, 2).join('/')
          : specifier.split('/')[0]!;
        const typesPackage = `@types/${name.replace('@', '').replace('/', '__')}`;
        if (name in peers) continue;
        if (!(name in deps)) problems.push(`${file} imports ${specifier}, which is not a dependency`);
        else if (!shipsTypes(name) && !(typesPackage in deps)) {
          problems.push(`${file} imports ${specifier}, whose types (${typesPackage}) are not a dependency`);
        }
      }
    }
    expect(problems.join('\n')).toBe('');
  });

  it('calls no built-in that Node 20.11, the oldest engines allows, lacks', () => {
    // Node 20.11 runs none of these; a build target of es2022 does not rewrite them.
    const newer: [RegExp, string][] = [
      [/\b(Object|Map)\.groupBy\b/, 'Node 21'],
      [/\bPromise\.withResolvers\b/, 'Node 22'],
      [/\bArray\.fromAsync\b/, 'Node 22'],
      [
        /\.(union|intersection|difference|symmetricDifference|isSubsetOf|isSupersetOf|isDisjointFrom)\(/,
        'Node 22 (Set methods)',
      ],
      [/\bprocess\.getBuiltinModule\b/, 'Node 22.3'],
      [/\bIterator\.from\b/, 'Node 22'],
      [/\bPromise\.try\b/, 'Node 23'],
      [/\bRegExp\.escape\b/, 'Node 24'],
      [/\bFloat16Array\b/, 'Node 24'],
      [/\bloadEnvFile\b/, 'Node 20.12'],
      [/\bstyleText\b/, 'Node 20.12'],
      [/\bgetCallSites\b/, 'Node 22.9'],
      [/\bglobSync\b|\bfs\.glob\b/, 'Node 22'],
    ];
    const found: string[] = [];
    for (const file of files.filter((f) => /\.(c?js|mjs)$/.test(f))) {
      const text = readFileSync(join(pkg.path, file), 'utf8');
      for (const [re, since] of newer) if (re.test(text)) found.push(`${file}: ${re.source} (${since})`);
    }
    expect(found).toEqual([]);
  });

  it('gives every JavaScript export its types', () => {
    // Every object in `exports` that names a file (`default`) names its declarations beside it.
    const untyped: string[] = [];
    const walk = (where: string, node: unknown) => {
      if (typeof node === 'string') {
        if (!where.endsWith('/types') && where !== './package.json') untyped.push(where);
        return;
      }
      const entries = Object.entries(node as Record<string, unknown>);
      if (
        entries.some(([k, v]) => k === 'default' && typeof v === 'string') &&
        !('types' in (node as object))
      ) {
        untyped.push(where);
        return;
      }
      for (const [k, v] of entries) if (typeof v !== 'string' || k !== 'default') walk(`${where}/${k}`, v);
    };
    for (const [subpath, node] of Object.entries(pkg.manifest.exports ?? {})) walk(subpath, node);
    expect(untyped).toEqual([]);
  });
});
