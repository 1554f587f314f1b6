/**
 * The READMEs' TypeScript works as printed: every snippet of README.md and packages/x/README.md
 * compiles with `tsc --strict` (module `nodenext`) against the packed packages installed into a
 * project of their own, with `@types/node` and no `@types/ws`; and the getting-started server and
 * client, compiled from the README, run against each other and print what the README says.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForOutput } from '../utils/process.js';
import { waitFor } from '../utils/wait.js';
import { type PackedProject, packedProject } from './packed.js';
import { extractSnippets, readmes, type SkippedSnippet, type Snippet } from './snippets.js';

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    lib: ['es2022'],
    jsx: 'react-jsx',
    types: ['node'],
    outDir: 'out',
    rootDir: '.',
    // As most projects (and `tsc --init`) do. That the packages' declarations need nothing but
    // their dependencies is checked by pack.test.ts.
    skipLibCheck: true,
    sourceMap: false,
  },
  include: ['**/*.ts', '**/*.cts', '**/*.tsx'],
  exclude: ['out'],
};

/** Directory of a README's snippets in the project: `README`, `packages-server`, ... */
const dirOf = (readme: string) => readme.replace(/\/?README\.md$/, '').replaceAll('/', '-') || 'README';

let project: PackedProject;
let work: string;
const snippets: Snippet[] = [];
const skipped: SkippedSnippet[] = [];
let tscOutput = '';

beforeAll(() => {
  for (const readme of readmes()) {
    const found = extractSnippets(readme);
    snippets.push(...found.snippets);
    skipped.push(...found.skipped);
  }
  project = packedProject();
  work = mkdtempSync(join(project.dir, 'snippets-'));
  writeFileSync(join(work, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  for (const s of snippets) {
    const path = join(work, dirOf(s.readme), s.file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, s.code);
  }
  try {
    execFileSync(process.execPath, [project.tsc, '-p', work], {
      cwd: work,
      encoding: 'utf8',
      timeout: 60_000,
    });
  } catch (err) {
    tscOutput = String((err as { stdout?: string }).stdout ?? err);
  }
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** tsc's errors, each pointed at its README line. */
function compileErrors(): string[] {
  return tscOutput
    .split('\n')
    .filter((l) => l.includes('error TS'))
    .map((l) => {
      const m = /^(.+?)\((\d+),(\d+)\): (.*)$/.exec(l);
      const snippet = m && snippets.find((s) => join(dirOf(s.readme), s.file) === m[1]);
      return snippet && m ? `${snippet.readme}:${snippet.line + Number(m[2]) - 1}: ${m[4]}` : l;
    });
}

describe('README snippets', () => {
  it('finds the snippets of every README, and skips none but marked pseudo-code', () => {
    const where = new Set(snippets.map((s) => s.readme));
    for (const readme of ['README.md', 'packages/server/README.md', 'packages/client/README.md']) {
      expect(where).toContain(readme);
    }
    expect(snippets.length).toBeGreaterThanOrEqual(8);
    expect(skipped).toEqual([]);
  });

  it('compile with tsc --strict against the packed packages', () => {
    expect(compileErrors().join('\n')).toBe('');
  });
});

describe('getting started', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  function start(file: string, env: NodeJS.ProcessEnv) {
    const child = spawn(process.execPath, [join(work, 'out', 'README', file)], {
      cwd: work,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const out = { stdout: '', stderr: '' };
    child.stdout?.on('data', (d: Buffer) => {
      out.stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out.stderr += d.toString();
    });
    return { child, out };
  }

  it('runs the server and the client against each other as the README says', async () => {
    const env = { PORT: String(await freePort()), HOST: '127.0.0.1', NODE_OPTIONS: '' };
    const server = start('server.js', env);
    await waitForOutput(server.child, /listening on port \d+/, 15_000, 'the getting-started server');
    expect(server.out.stdout).toBe(`listening on port ${env.PORT}\n`);

    const client = start('client.js', env);
    await waitFor(
      () => /published #2/.test(client.out.stdout) && /#2 \{ text: 'hello' \}/.test(client.out.stdout),
      15_000,
      `the client's messages (so far: ${JSON.stringify(client.out)})`,
    );
    const lines = client.out.stdout.trim().split('\n');
    expect(lines[0]).toBe('state: open ');
    expect(lines).toContain("#1 { text: 'server says hi' }");
    expect(lines).toContain("#2 { text: 'hello' }");
    expect(lines).toContain('published #2');
    expect(lines.indexOf("#1 { text: 'server says hi' }")).toBeLessThan(
      lines.indexOf("#2 { text: 'hello' }"),
    );

    // SIGTERM: the server drains and exits; the client is told 1001 and keeps trying.
    const serverExit = new Promise<number | null>((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    expect(await serverExit).toBe(0);
    await waitFor(
      () => client.out.stdout.includes('state: reconnecting 1001'),
      10_000,
      `the client to see 1001 (so far: ${JSON.stringify(client.out)})`,
    );
    expect(client.child.exitCode).toBe(null);

    // A server back on the port, with a new in-memory history: the client reconnects by itself,
    // is told the old history is gone, and gets what the new one holds.
    const again = start('server.js', env);
    const seen = client.out.stdout.length;
    await waitFor(
      () => /#1 \{ text: 'server says hi' \}/.test(client.out.stdout.slice(seen)),
      20_000,
      `the client to resume (so far: ${JSON.stringify(client.out)})`,
    );
    const after = client.out.stdout.slice(seen).trim().split('\n');
    expect(after).toEqual([
      'state: open ',
      'gap: reload from your database',
      "#1 { text: 'server says hi' }",
    ]);
    client.child.kill('SIGTERM');
    again.child.kill('SIGTERM');

    // No unhandled rejection, no error event, no warning on either side.
    expect(server.out.stderr).toBe('');
    expect(client.out.stderr).toBe('');
    expect(again.out.stderr).toBe('');
  }, 60_000);
});
