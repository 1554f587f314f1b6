/**
 * The HTTP server API: publish, broadcast and read history from any language, authenticated by an
 * API key. Mount it on the standalone server or on an application's own `http` server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '@hubbub/protocol';
import { apiKeyCheck } from './api-key.js';
import { clusterRoutes } from './cluster-routes.js';
import { failureOf } from './params.js';
import { ApiError, sendError, sendJson } from './respond.js';
import { messageRoutes } from './routes.js';

/** Outcome of a publish, as the hub reports it. */
export interface ApiPublishResult {
  readonly epoch: string;
  readonly offset: number;
  readonly duplicate: boolean;
}

/** A page of a topic's history, as the hub reports it. */
export interface ApiHistoryPage {
  readonly epoch: string;
  readonly offset: number;
  readonly firstOffset: number;
  readonly messages: readonly { readonly offset: number; readonly data: unknown }[];
}

/**
 * What the API needs of a hub (a `Hub` from `@hubbub/server` has it all). The presence and
 * cluster-control routes exist when the hub has the matching methods.
 */
export interface HttpApiHub {
  publish(topic: string, data: unknown, options?: { readonly key?: string }): Promise<ApiPublishResult>;
  history(
    topic: string,
    options?: { readonly since?: number; readonly limit?: number },
  ): Promise<ApiHistoryPage>;
  presence?(topic: string): Promise<readonly unknown[]>;
  presenceStats?(topic: string): Promise<unknown>;
  disconnectUser?(
    userId: string,
    options?: { readonly code?: number; readonly reason?: string },
  ): Promise<number>;
  connectionsOf?(userId: string): Promise<readonly unknown[]>;
}

/** Options of {@link createHttpApi}. */
export interface HttpApiOptions {
  /** The key callers send as `Authorization: Bearer <key>`. */
  readonly apiKey: string;
  /**
   * Largest request body, in bytes; bigger ones get 413.
   * @default 1_048_576 // 1 MiB
   */
  readonly maxBodyBytes?: number;
  /**
   * Path prefix of the API's routes.
   * @default '/api'
   */
  readonly prefix?: string;
  /** Called with unexpected errors (answered with 500 `INTERNAL`). @default undefined // not reported */
  readonly onError?: (err: unknown) => void;
}

/**
 * Handles a request when its path is under the API's prefix (answering it, and returning `true`);
 * returns `false` for any other path, leaving the response to the caller.
 */
export type HttpApiHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Option names of {@link createHttpApi}. */
const HTTP_API_OPTIONS = ['apiKey', 'maxBodyBytes', 'prefix', 'onError'];

/**
 * Creates the HTTP API handler: `POST {prefix}/publish`, `POST {prefix}/broadcast`,
 * `GET {prefix}/history`, and with a hub that has presence and cluster control,
 * `GET {prefix}/presence`, `GET {prefix}/presence-stats`, `POST {prefix}/disconnect`,
 * `GET {prefix}/connections`. Every request needs `Authorization: Bearer <apiKey>`; errors are
 * `{ "error": { "code", "message" } }` with the protocol's error codes.
 */
export function createHttpApi(hub: HttpApiHub, options: HttpApiOptions): HttpApiHandler {
  if (typeof options?.apiKey !== 'string' || options.apiKey.length === 0) {
    throw new TypeError('createHttpApi(): "apiKey" must be a non-empty string');
  }
  for (const key of Object.keys(options)) {
    if (!HTTP_API_OPTIONS.includes(key)) {
      throw new TypeError(`createHttpApi(): unknown option "${key}" (known: ${HTTP_API_OPTIONS.join(', ')})`);
    }
  }
  const prefix = options.prefix ?? '/api';
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
  const checkKey = apiKeyCheck(options.apiKey);
  const table = { ...clusterRoutes(hub, maxBodyBytes), ...messageRoutes(hub, maxBodyBytes) };
  const handle = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    try {
      checkKey(req);
      const name = url.pathname.slice(prefix.length + 1);
      const route = Object.hasOwn(table, name) ? table[name] : undefined;
      if (!route) throw new ApiError(404, ErrorCode.BadRequest, `no API endpoint ${url.pathname}`);
      if (req.method !== route.method) {
        throw new ApiError(405, ErrorCode.BadRequest, `${url.pathname} takes ${route.method}`, {
          allow: route.method,
        });
      }
      sendJson(res, 200, await route.run(req, url));
    } catch (err) {
      const failure = failureOf(err);
      if (!failure) options.onError?.(err);
      sendError(res, failure ?? new ApiError(500, ErrorCode.Internal, 'internal error'));
    }
  };
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) return false;
    void handle(req, res, url);
    return true;
  };
}
