/** Builds the single-file browser bundle from source, with the options of tsup.config.ts. */
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

const ENTRY = fileURLToPath(new URL('../../src/browser.ts', import.meta.url));

/** The minified ESM browser bundle, and the inputs esbuild pulled into it. */
export async function buildBrowserBundle(): Promise<{ code: string; metafile: Metafile }> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    mangleProps: /^_[a-z]/,
    write: false,
    metafile: true,
  });
  return { code: result.outputFiles[0]!.text, metafile: result.metafile };
}
