import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@hubbub\/protocol$/, replacement: src('protocol/src/index.ts') },
      { find: /^@hubbub\/server$/, replacement: src('server/src/index.ts') },
      { find: /^@hubbub\/client\/browser$/, replacement: src('client/src/browser.ts') },
      { find: /^@hubbub\/client$/, replacement: src('client/src/index.ts') },
      { find: /^@hubbub\/react$/, replacement: src('react/src/index.ts') },
      { find: /^@hubbub\/standalone$/, replacement: src('standalone/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    typecheck: { enabled: true, include: ['packages/*/test/**/*.test-d.ts'] },
  },
});
