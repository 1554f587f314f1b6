#!/usr/bin/env node
/**
 * Renders docker/nginx.conf.template into a runnable nginx.conf: for the compose file
 * (`--compose`, written to docker/nginx.conf) or for Debian's nginx on loopback ports in tests.
 *
 * Usage: node docker/render-nginx.mjs --help
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** Absolute path of the template. */
export const TEMPLATE_PATH = fileURLToPath(new URL('./nginx.conf.template', import.meta.url));

/** Absolute path of the config the compose file mounts. */
export const COMPOSE_CONFIG_PATH = fileURLToPath(new URL('./nginx.conf', import.meta.url));

const DEFAULTS = {
  listen: '80',
  readTimeout: '75s',
  connectTimeout: '2s',
  workerProcesses: 'auto',
  workerConnections: 4096,
  pidFile: 'nginx.pid',
  tempDir: 'tmp',
  accessLog: 'off',
  // 0: never take an instance out of rotation on a failed attempt (see the template's upstream).
  maxFails: 0,
  failTimeout: '5s',
};

/** The options the compose deployment uses (three `hub` instances, TLS on 443). */
export const COMPOSE_OPTIONS = {
  upstreams: ['hub1:3000', 'hub2:3000', 'hub3:3000'],
  listen: '80',
  tls: { listen: '443', certificate: '/etc/nginx/certs/tls.crt', certificateKey: '/etc/nginx/certs/tls.key' },
  pidFile: '/var/run/nginx.pid',
  tempDir: '/var/cache/nginx',
  accessLog: '/dev/stdout',
};

const GENERATED_NOTE =
  '# Generated from docker/nginx.conf.template by docker/render-nginx.mjs: edit the template, not this file.\n';

const VALUE_RE = /^[^\s;{}'"]+$/;

function checked(name, value) {
  const text = String(value);
  if (!VALUE_RE.test(text))
    throw new TypeError(`nginx option ${name} has an unsafe value: ${JSON.stringify(text)}`);
  return text;
}

function upstreamLines(opts) {
  if (!Array.isArray(opts.upstreams) || opts.upstreams.length === 0) {
    throw new TypeError('nginx option upstreams must list at least one host:port');
  }
  const params = `max_fails=${checked('maxFails', opts.maxFails)} fail_timeout=${checked('failTimeout', opts.failTimeout)}`;
  return opts.upstreams.map((u) => `    server ${checked('upstreams', u)} ${params};`).join('\n');
}

function applyTlsSection(text, tls) {
  const section = /[ \t]*# \{\{#TLS\}\}\n([\s\S]*?)[ \t]*# \{\{\/TLS\}\}\n/;
  if (!tls) return text.replace(section, '');
  return text
    .replace(section, '$1')
    .replaceAll('{{TLS_LISTEN}}', checked('tls.listen', tls.listen))
    .replaceAll('{{TLS_CERTIFICATE}}', checked('tls.certificate', tls.certificate))
    .replaceAll('{{TLS_CERTIFICATE_KEY}}', checked('tls.certificateKey', tls.certificateKey));
}

/**
 * Renders the template. Relative paths (`pidFile`, `tempDir`) resolve against nginx's prefix
 * (`nginx -p DIR`).
 *
 * @param {import('./render-nginx.d.mts').NginxOptions} options
 * @returns {string} the nginx.conf text
 */
export function renderNginxConfig(options) {
  const opts = { ...DEFAULTS, ...options };
  const values = {
    WORKER_PROCESSES: opts.workerProcesses,
    WORKER_CONNECTIONS: opts.workerConnections,
    PID_FILE: opts.pidFile,
    TEMP_DIR: opts.tempDir,
    ACCESS_LOG: opts.accessLog,
    HTTP_LISTEN: opts.listen,
    READ_TIMEOUT: opts.readTimeout,
    CONNECT_TIMEOUT: opts.connectTimeout,
  };
  let text = applyTlsSection(readFileSync(TEMPLATE_PATH, 'utf8'), opts.tls);
  text = text.replace('{{UPSTREAM_SERVERS}}', upstreamLines(opts));
  for (const [key, value] of Object.entries(values))
    text = text.replaceAll(`{{${key}}}`, checked(key, value));
  text = text.replace(/^# TEMPLATE:[^\n]*\n(#[^\n]*\n)*/m, GENERATED_NOTE);
  const left = text.match(/\{\{[A-Z_#/]+\}\}/);
  if (left) throw new Error(`nginx template placeholder not filled: ${left[0]}`);
  return text;
}

/**
 * Directories nginx writes into and does not create on its own, for a config rendered with
 * `options` and run with `nginx -p prefix`: the temp directory (nginx creates the subdirectories
 * it names, not their parent), `logs/` (nginx opens its built-in error log, `logs/error.log` for
 * an nginx built from source, before it reads the config; {@link nginxCommand} points `-e` there),
 * and the directories of the pid file and of an access log file.
 *
 * @param {string} prefix nginx's prefix (`-p`)
 * @param {import('./render-nginx.d.mts').NginxOptions} options
 * @returns {string[]} absolute paths
 */
export function nginxDirectories(prefix, options) {
  const opts = { ...DEFAULTS, ...options };
  const dirs = [resolve(prefix), resolve(prefix, opts.tempDir), resolve(prefix, 'logs')];
  dirs.push(dirname(resolve(prefix, opts.pidFile)));
  if (opts.accessLog !== 'off' && !opts.accessLog.startsWith('/dev/'))
    dirs.push(dirname(resolve(prefix, opts.accessLog)));
  return [...new Set(dirs)];
}

/**
 * The command that runs the config written by {@link writeNginxConfig} in the foreground.
 *
 * @param {string} prefix nginx's prefix (`-p`)
 * @returns {string[]} argv after the nginx binary
 */
export function nginxCommand(prefix) {
  const p = resolve(prefix);
  return ['-p', p, '-c', join(p, 'nginx.conf'), '-e', join(p, 'logs', 'error.log'), '-g', 'daemon off;'];
}

/**
 * Renders the config into `prefix/nginx.conf` and creates every directory nginx needs there
 * ({@link nginxDirectories}), so `nginx -p PREFIX -c PREFIX/nginx.conf` runs without touching /etc,
 * /run or /var.
 *
 * @param {string} prefix nginx's prefix; created when missing
 * @param {import('./render-nginx.d.mts').NginxOptions} options
 * @returns {string} the path of the written config
 */
export function writeNginxConfig(prefix, options) {
  const opts = { ...DEFAULTS, ...options };
  const text = renderNginxConfig(opts);
  for (const dir of nginxDirectories(prefix, opts)) mkdirSync(dir, { recursive: true });
  const configPath = join(resolve(prefix), 'nginx.conf');
  writeFileSync(configPath, text);
  return configPath;
}

/** Flags of the command line, with what `--help` says of each. */
export const CLI_FLAGS = {
  help: { type: 'boolean', short: 'h', help: 'print this help and exit' },
  compose: {
    type: 'boolean',
    help: 'the compose deployment (hub1-3:3000, TLS on 443); writes docker/nginx.conf',
  },
  upstream: {
    type: 'string',
    multiple: true,
    arg: 'HOST:PORT',
    help: 'a hub instance; repeat for each (required)',
  },
  listen: { type: 'string', arg: 'ADDR', help: 'listen address of the plain HTTP server block (default 80)' },
  'tls-listen': {
    type: 'string',
    arg: 'ADDR',
    help: 'adds a TLS server block on ADDR (needs --cert and --key)',
  },
  cert: { type: 'string', arg: 'FILE', help: 'PEM certificate (chain) of the TLS block' },
  key: { type: 'string', arg: 'FILE', help: 'PEM private key of the TLS block' },
  'read-timeout': {
    type: 'string',
    arg: 'TIME',
    help: 'proxy_read/send_timeout (default 75s); above the heartbeat interval',
  },
  'connect-timeout': { type: 'string', arg: 'TIME', help: 'proxy_connect_timeout (default 2s)' },
  'worker-processes': { type: 'string', arg: 'N', help: 'worker_processes (default auto)' },
  'worker-connections': { type: 'string', arg: 'N', help: 'worker_connections (default 4096)' },
  'max-fails': { type: 'string', arg: 'N', help: 'upstream max_fails (default 0: never marked failed)' },
  'fail-timeout': { type: 'string', arg: 'TIME', help: 'upstream fail_timeout (default 5s)' },
  'pid-file': { type: 'string', arg: 'FILE', help: 'pid file, relative to the prefix (default nginx.pid)' },
  'temp-dir': { type: 'string', arg: 'DIR', help: 'temp files, relative to the prefix (default tmp)' },
  'access-log': { type: 'string', arg: 'FILE', help: 'access_log: off, /dev/stdout or a file (default off)' },
  out: { type: 'string', arg: 'FILE', help: 'write the config to FILE instead of stdout' },
  prefix: {
    type: 'string',
    arg: 'DIR',
    help: 'write DIR/nginx.conf, create the directories nginx needs, print how to run it',
  },
};

function usage() {
  const lines = Object.entries(CLI_FLAGS).map(([name, f]) => {
    const flag = `${f.short ? `-${f.short}, ` : '    '}--${name}${f.arg ? ` ${f.arg}` : ''}`;
    return `  ${flag.padEnd(30)} ${f.help}`;
  });
  return `Usage: node docker/render-nginx.mjs [options]

Renders docker/nginx.conf.template into an nginx.conf: round robin over the hub instances, the
WebSocket upgrade headers passed on, optional TLS. Prints the config unless --out or --prefix.

Options:
${lines.join('\n')}

Examples:
  node docker/render-nginx.mjs --compose
  node docker/render-nginx.mjs --prefix /tmp/hubbub-nginx --listen 127.0.0.1:8080 \\
    --upstream 127.0.0.1:3001 --upstream 127.0.0.1:3002
`;
}

function cliOptions(values) {
  if (values.compose) return COMPOSE_OPTIONS;
  if (values['tls-listen'] && !(values.cert && values.key)) {
    throw new TypeError('--tls-listen needs --cert and --key');
  }
  const options = {
    upstreams: values.upstream ?? [],
    listen: values.listen,
    tls: values['tls-listen']
      ? { listen: values['tls-listen'], certificate: values.cert, certificateKey: values.key }
      : undefined,
    readTimeout: values['read-timeout'],
    connectTimeout: values['connect-timeout'],
    workerProcesses: values['worker-processes'],
    workerConnections: values['worker-connections'],
    maxFails: values['max-fails'],
    failTimeout: values['fail-timeout'],
    pidFile: values['pid-file'],
    tempDir: values['temp-dir'],
    accessLog: values['access-log'],
  };
  for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
  return options;
}

function cli(argv) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: CLI_FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    process.stderr.write(`render-nginx: ${err.message}\n\n${usage()}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage());
    return 0;
  }
  try {
    const options = cliOptions(values);
    if (values.prefix) {
      const config = writeNginxConfig(values.prefix, options);
      process.stdout.write(
        `wrote ${config}\nrun: nginx ${nginxCommand(values.prefix).map(quote).join(' ')}\n`,
      );
      return 0;
    }
    const text = renderNginxConfig(options);
    const out = values.out ?? (values.compose ? COMPOSE_CONFIG_PATH : undefined);
    if (out) writeFileSync(out, text);
    else process.stdout.write(text);
    return 0;
  } catch (err) {
    process.stderr.write(`render-nginx: ${err.message}\n`);
    return 2;
  }
}

function quote(arg) {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  process.exitCode = cli(process.argv.slice(2));
