/** A configuration value that cannot be used; `field` names it (`jwt.secret`, `limits.publishRate`). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    /** Dotted path of the field, e.g. `rules[1].topic`. */
    readonly field: string,
    /** What is wrong with it. */
    readonly problem: string,
    /** Where the value came from: an environment variable or the config file. */
    readonly source?: string,
  ) {
    super(`${field}${source ? ` (${source})` : ''}: ${problem}`);
  }
}
