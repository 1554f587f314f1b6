import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
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
