/**
 * `hubbub`: runs a configured standalone server.
 *
 *   hubbub [--config hubbub.json]
 *
 * Settings come from the JSON file (`--config` or HUBBUB_CONFIG) with environment variables laid
 * over it. An unusable setting stops the start with a message naming the field (exit code 2).
 * SIGTERM and SIGINT drain the server, then exit 0.
 */
import { ConfigError } from './config/errors.js';
import { loadConfig } from './config/load.js';
import { createJsonLogger } from './log.js';
import { startStandalone } from './server.js';

const USAGE = `Usage: hubbub [--config <file.json>]

Starts a Hubbub server configured by a JSON file and/or HUBBUB_* environment variables.
See https://github.com/hubbub-dev/hubbub/tree/main/packages/standalone#readme for every field.
`;

function configFile(argv: readonly string[]): string | undefined {
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else if (arg === '--config' || arg === '-c') {
      file = argv[++i];
      if (file === undefined) throw new ConfigError('--config', 'needs a file name');
    } else if (arg.startsWith('--config=')) file = arg.slice('--config='.length);
    else throw new ConfigError(arg, `unknown argument\n\n${USAGE}`);
  }
  return file;
}

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ file: configFile(process.argv.slice(2)) });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`hubbub: invalid configuration: ${err.message}\n`);
    process.exit(2);
  }
  const log = createJsonLogger(config.logLevel);
  let standalone: Awaited<ReturnType<typeof startStandalone>>;
  try {
    standalone = await startStandalone(config, { logger: log });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`hubbub: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    log.error({ err }, 'hubbub failed to start');
    process.exit(1);
  }
  const stop = (signal: string) => {
    log.info({ signal, drainMs: config.drainMs }, 'draining');
    standalone.close().then(
      () => {
        log.info({}, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

await main();
