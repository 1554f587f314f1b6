import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
    // jose 6 is ESM only: the CommonJS build could require() it only on Node versions with
    // require(esm) (20.19+), yet `engines` promises 20.11. Inlined, the library works on every
    // Node the package claims, in both formats.
    noExternal: ['jose'],
  },
  {
    // The `hubbub` command: one ESM file with a shebang, its dependencies left to node_modules.
    entry: ['src/cli.ts'],
    format: ['esm'],
    outExtension: () => ({ js: '.js' }),
    banner: { js: '#!/usr/bin/env node' },
    sourcemap: true,
    target: 'es2022',
    dts: false,
    clean: false,
  },
]);
