/** TLS server block settings. */
export interface NginxTlsOptions {
  /** `listen` address of the TLS server block, e.g. `'443'` or `'127.0.0.1:8443'`. */
  readonly listen: string | number;
  /** Path of the PEM certificate (chain). */
  readonly certificate: string;
  /** Path of the PEM private key. */
  readonly certificateKey: string;
}

/** What renderNginxConfig fills into docker/nginx.conf.template. */
export interface NginxOptions {
  /** Hub instances, `host:port`, balanced round robin. */
  readonly upstreams: readonly string[];
  /** `listen` address of the plain HTTP server block. @default '80' */
  readonly listen?: string | number;
  /** TLS server block for `wss://`; left out when absent. */
  readonly tls?: NginxTlsOptions;
  /** `proxy_read_timeout` / `proxy_send_timeout`; keep it above the heartbeat interval. @default '75s' */
  readonly readTimeout?: string;
  /** `proxy_connect_timeout`. @default '2s' */
  readonly connectTimeout?: string;
  /** @default 'auto' */
  readonly workerProcesses?: string | number;
  /** @default 4096 */
  readonly workerConnections?: number;
  /** Relative paths resolve against nginx's prefix (`-p`). @default 'nginx.pid' */
  readonly pidFile?: string;
  /** Directory for nginx's temp files. @default 'tmp' */
  readonly tempDir?: string;
  /** `access_log` value, e.g. `'/dev/stdout'`. @default 'off' */
  readonly accessLog?: string;
  /**
   * Upstream `max_fails`. 0 keeps every instance in rotation: an instance that refused a handshake
   * while restarting is tried again on the next one (see docker/README.md).
   * @default 0
   */
  readonly maxFails?: number;
  /** Upstream `fail_timeout`. @default '5s' */
  readonly failTimeout?: string;
}

/** Absolute path of docker/nginx.conf.template. */
export const TEMPLATE_PATH: string;
/** Absolute path of docker/nginx.conf (the compose deployment's rendered config). */
export const COMPOSE_CONFIG_PATH: string;
/** Options that produce docker/nginx.conf. */
export const COMPOSE_OPTIONS: NginxOptions;
/** Renders the template into nginx.conf text. */
export function renderNginxConfig(options: NginxOptions): string;
/** Writes `prefix/nginx.conf` and creates the directories nginx needs ({@link nginxDirectories}); returns the config path. */
export function writeNginxConfig(prefix: string, options: NginxOptions): string;
/**
 * Directories nginx writes into and does not create itself, for a config run with `nginx -p prefix`:
 * the temp directory, `logs/`, and the directories of the pid file and of an access log file.
 */
export function nginxDirectories(prefix: string, options: NginxOptions): string[];
/** Arguments after the nginx binary that run `prefix/nginx.conf` in the foreground, errors in `prefix/logs`. */
export function nginxCommand(prefix: string): string[];
/** One flag of the command line. */
export interface CliFlag {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Name of the flag's value in `--help`. */
  readonly arg?: string;
  /** What `--help` says of it. */
  readonly help: string;
}
/** Flags of `node docker/render-nginx.mjs`, as `--help` lists them. */
export const CLI_FLAGS: Readonly<Record<string, CliFlag>>;
