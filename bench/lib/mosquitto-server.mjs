/**
 * Mosquitto as a benchmark server: a generated mosquitto.conf in a temporary directory with a
 * WebSocket listener on 127.0.0.1 (MQTT over WebSocket, as browsers use it; plus a plain MQTT
 * listener on another loopback port, which mosquitto 2.0.11 needs to start), no persistence,
 * per-client queues large enough for the unbounded publish phases, and password authentication:
 * every connection sends the shared bench user and its password in CONNECT, and mosquitto checks
 * it against a `password_file` made by `mosquitto_passwd -H sha512` (salted SHA-512, one round:
 * the check stays about as cheap as the other targets' token check; the default, PBKDF2-SHA512
 * with 101 rounds, about doubles mosquitto's CPU time per connection, +70 to 100 µs).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary, startExternal } from './external.mjs';
import { freePort } from './procs.mjs';

/** The single user every bench connection authenticates as. */
export const MQTT_USER = 'bench';
/** Its password; mosquitto checks it on every CONNECT. */
export const MQTT_PASSWORD = 'tok-bench';

/**
 * Messages mosquitto may queue per client before it drops them: the unbounded phases write up to
 * 5,000 messages to each subscriber at once (500,000 deliveries over 100 subscribers).
 */
const MAX_QUEUED = 100_000;

function config({ dir, port, plainPort }) {
  return [
    'per_listener_settings false',
    'allow_anonymous false',
    `password_file ${join(dir, 'passwd')}`,
    'persistence false',
    `max_queued_messages ${MAX_QUEUED}`,
    'max_queued_bytes 0',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'connection_messages false',
    `listener ${port} 127.0.0.1`,
    'protocol websockets',
    // Without it, the libwebsockets listener of 2.0.11 binds every address (IPv6 any).
    'socket_domain ipv4',
    // mosquitto 2.0.11 refuses to start when no plain MQTT listener opened: one more, unused.
    `listener ${plainPort} 127.0.0.1`,
    'protocol mqtt',
    '',
  ].join('\n');
}

/**
 * Starts mosquitto with a WebSocket listener on `opts.port` (a free port when 0). Resolves once
 * the port accepts connections; `pid` is mosquitto's, so the server process reports its CPU and
 * RSS. `close()` stops it and removes the temporary directory. `passwordHash` is
 * `mosquitto_passwd -H`'s argument: `sha512` (default here) or `sha512-pbkdf2`.
 * @param {{ port: number, passwordHash?: 'sha512' | 'sha512-pbkdf2' }} opts
 */
export async function startMosquitto(opts) {
  const binary = requireBinary('mosquitto', 'mosquitto');
  const passwd = requireBinary('mosquitto_passwd', 'mosquitto');
  const port = opts.port || (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'bench-mosquitto-'));
  // Started as root, mosquitto drops to the `mosquitto` user before it reads the password file.
  chmodSync(dir, 0o755);
  try {
    const hash = opts.passwordHash ?? 'sha512';
    execFileSync(passwd, ['-H', hash, '-c', '-b', join(dir, 'passwd'), MQTT_USER, MQTT_PASSWORD], {
      stdio: 'ignore',
    });
    chmodSync(join(dir, 'passwd'), 0o644);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const confPath = join(dir, 'mosquitto.conf');
  writeFileSync(confPath, config({ dir, port, plainPort: await freePort() }));
  const ext = await startExternal({ binary, args: ['-c', confPath], port, label: 'mosquitto', dir });
  return {
    port,
    pid: ext.pid,
    close: () => ext.stop(),
  };
}
