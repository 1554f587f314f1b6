import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // nanoid 5 is ESM only: the CJS build could `require` it only on Node versions with
  // require(esm) (20.19+, 22.12+), yet `engines` promises 20.11. Inlined (130 lines), it works on
  // every Node the package claims, in both formats.
  noExternal: ['nanoid'],
});
