#!/usr/bin/env node
/**
 * Renders docker/nginx.conf.template into a runnable nginx.conf: for the compose file
 * (`--compose`, written to docker/nginx.conf) or for Debian's nginx on loopback ports in tests.
 *
 * Usage: node docker/render-nginx.mjs [--compose] [--upstream HOST:PORT]... [--listen ADDR]
 *          [--tls-listen ADDR --cert FILE --key FILE] [--read-timeout 75s] [--out FILE]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  maxFails: 1,
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
 * Renders the config into `prefix/nginx.conf` and creates the directories nginx needs there, so
 * `nginx -p PREFIX -c PREFIX/nginx.conf` runs without touching /etc, /run or /var.
 *
 * @param {string} prefix an existing, writable directory
 * @param {import('./render-nginx.d.mts').NginxOptions} options
 * @returns {string} the path of the written config
 */
export function writeNginxConfig(prefix, options) {
  const opts = { ...DEFAULTS, ...options };
  mkdirSync(join(prefix, opts.tempDir), { recursive: true });
  const configPath = join(prefix, 'nginx.conf');
  writeFileSync(configPath, renderNginxConfig(opts));
  return configPath;
}

function cli() {
  const { values } = parseArgs({
    options: {
      compose: { type: 'boolean' },
      upstream: { type: 'string', multiple: true },
      listen: { type: 'string' },
      'tls-listen': { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      'read-timeout': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const tls = values['tls-listen']
    ? { listen: values['tls-listen'], certificate: values.cert, certificateKey: values.key }
    : undefined;
  const options = values.compose
    ? COMPOSE_OPTIONS
    : { upstreams: values.upstream ?? [], listen: values.listen, tls, readTimeout: values['read-timeout'] };
  for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
  const text = renderNginxConfig(options);
  const out = values.out ?? (values.compose ? COMPOSE_CONFIG_PATH : undefined);
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) cli();
