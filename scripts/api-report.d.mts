/** Absolute path of the repository root. */
export const ROOT: string;
/** Publishable packages: `packages/<dir>` whose package.json is not private. */
export function reportedPackages(): { readonly dir: string; readonly manifest: { readonly name: string } }[];
/** Path of a package's report relative to the repository root: `packages/<dir>/api/<dir>.api.md`. */
export function reportPath(dir: string): string;
/** The API report of `packages/<dir>`, from its built declarations. */
export function apiReport(dir: string): string;
