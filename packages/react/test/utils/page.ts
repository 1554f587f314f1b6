/** Bundles test/fixtures/app.tsx for Chromium: React's development build, Hubbub from source. */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const at = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

/** Resolves @hubbub/* to sources, with the client's browser entry (no `ws`). */
const hubbubSources: Plugin = {
  name: 'hubbub-sources',
  setup(b) {
    const sources: Record<string, string> = {
      '@hubbub/protocol': at('protocol/src/index.ts'),
      '@hubbub/client': at('client/src/browser.ts'),
      '@hubbub/react': at('react/src/index.ts'),
    };
    b.onResolve({ filter: /^@hubbub\/(protocol|client|react)$/ }, (args) => ({ path: sources[args.path]! }));
  },
};

/** Resolves `react` and `react-dom` (and their subpaths) from `dir`'s node_modules instead. */
function reactFrom(dir: string): Plugin {
  const require = createRequire(`${dir}/`);
  return {
    name: 'react-from',
    setup(b) {
      b.onResolve({ filter: /^react(-dom)?(\/.*)?$/ }, (args) => ({ path: require.resolve(args.path) }));
    },
  };
}

/**
 * The page's script, one ES module. Development React, so StrictMode mounts twice as it does in
 * apps; from `reactDir`'s node_modules when given, else the repository's.
 */
export async function buildTestPage(reactDir?: string): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../fixtures/app.tsx', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"development"' },
    plugins: reactDir ? [hubbubSources, reactFrom(reactDir)] : [hubbubSources],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
