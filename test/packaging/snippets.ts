/**
 * The TypeScript snippets of the READMEs. A snippet is a fenced block opened with ```ts (or
 * ```tsx, compiled as TSX). An HTML comment on the line before the fence tunes it:
 *
 * - `<!-- snippet: skip -->` leaves it out (pseudo-code only; say why in the comment's sentence);
 * - `<!-- snippet: NAME.ts -->` (or `.cts`, `.tsx`) names its file, so a test can run it; `.cts`
 *   compiles it as a CommonJS module.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './packages.js';

/** One snippet of one README. */
export interface Snippet {
  /** README path relative to the repository root, e.g. `packages/server/README.md`. */
  readonly readme: string;
  /** 1-based README line of the snippet's first code line. */
  readonly line: number;
  /** File name inside its README's directory of the snippet project, e.g. `server.ts` or `snippet-3.ts`. */
  readonly file: string;
  /** Compiled as CommonJS (`.cts`) rather than as an ES module. */
  readonly commonjs: boolean;
  readonly code: string;
}

/** A snippet left out with `<!-- snippet: skip -->`. */
export interface SkippedSnippet {
  readonly readme: string;
  readonly line: number;
}

/** README.md and every packages/<name>/README.md. */
export function readmes(): string[] {
  const packages = readdirSync(join(ROOT, 'packages'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(ROOT, 'packages', d.name, 'README.md'));
  return [join(ROOT, 'README.md'), ...packages.filter((p) => existsSync(p))];
}

const FENCE_OPEN = /^```(ts|typescript|tsx)\s*$/;
const MARKER = /^<!--\s*snippet:\s*([\w.-]+)[^>]*-->\s*$/;

/** Extracts the snippets of one README. */
export function extractSnippets(path: string): { snippets: Snippet[]; skipped: SkippedSnippet[] } {
  const readme = relative(ROOT, path);
  const lines = readFileSync(path, 'utf8').split('\n');
  const snippets: Snippet[] = [];
  const skipped: SkippedSnippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = FENCE_OPEN.exec(lines[i] ?? '');
    if (!fence) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${readme}:${i + 1}: a \`\`\`ts block is not closed`);
    let before = i - 1;
    while (before >= 0 && lines[before]?.trim() === '') before--;
    const marker = MARKER.exec(lines[before] ?? '')?.[1];
    const line = i + 2;
    if (marker === 'skip') skipped.push({ readme, line });
    else {
      const file = marker ?? `snippet-${snippets.length + 1}.${fence[1] === 'tsx' ? 'tsx' : 'ts'}`;
      if (!/\.(c?ts|tsx)$/.test(file)) {
        throw new Error(`${readme}:${before + 1}: a snippet's file name ends in .ts, .cts or .tsx`);
      }
      snippets.push({
        readme,
        line,
        file,
        commonjs: file.endsWith('.cts'),
        code: `${lines.slice(i + 1, end).join('\n')}\n`,
      });
    }
    i = end;
  }
  return { snippets, skipped };
}
