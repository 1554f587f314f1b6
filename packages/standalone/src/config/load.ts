/** Reads the configuration from a JSON file and the environment. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { applyEnv } from './env.js';
import { ConfigError } from './errors.js';
import { isPlainObject } from './fields.js';
import type { StandaloneConfig } from './types.js';
import { validateConfig } from './validate.js';

/** Where {@link loadConfig} reads from. */
export interface LoadConfigOptions {
  /**
   * JSON config file; relative paths resolve from `cwd`.
   * @default env.HUBBUB_CONFIG, else none
   */
  readonly file?: string;
  /**
   * Environment variables, laid over the file.
   * @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Directory relative paths resolve from.
   * @default process.cwd()
   */
  readonly cwd?: string;
}

function readFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('config', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('config', `${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isPlainObject(raw)) throw new ConfigError('config', `${path} must hold a JSON object`);
  return raw;
}

/**
 * Reads the config file (when given), lays the environment over it and checks the result. Throws a
 * {@link ConfigError} naming the first field that cannot be used, and where it came from.
 */
export function loadConfig(options: LoadConfigOptions = {}): StandaloneConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ?? env.HUBBUB_CONFIG;
  const path = file ? resolve(cwd, file) : undefined;
  const { raw, sources } = applyEnv(path ? readFile(path) : {}, env);
  const config = validateConfig(raw, (field) => {
    for (const [set, name] of sources) {
      if (field === set || field.startsWith(`${set}.`) || field.startsWith(`${set}[`)) return name;
    }
    return path ? `in ${path}` : undefined;
  });
  return resolveFiles(config, cwd);
}

/** Key files are named relative to the working directory. */
function resolveFiles(config: StandaloneConfig, cwd: string): StandaloneConfig {
  const jwt = config.jwt;
  if (!jwt) return config;
  return {
    ...config,
    jwt: {
      ...jwt,
      publicKeyFile: jwt.publicKeyFile && resolve(cwd, jwt.publicKeyFile),
      jwksFile: jwt.jwksFile && resolve(cwd, jwt.jwksFile),
    },
  };
}
