/**
 * The HTTP server API: publish, broadcast and read history from any language, authenticated by an
 * API key. Mount it on the standalone server or on an application's own `http` server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ErrorCode,
  isBinaryPayload,
  isValidTopic,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_LAST,
  topicProblem,
} from '@hubbub/protocol';
import { apiKeyCheck } from './api-key.js';
import { readJsonObject } from './body.js';
import { ApiError, badRequest, sendError, sendJson } from './respond.js';

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

const DEFAULT_HISTORY_LIMIT = 100;

function topicOf(value: unknown, field = 'topic'): string {
  if (!isValidTopic(value)) throw new ApiError(400, ErrorCode.BadTopic, `${field}: ${topicProblem(value)}`);
  return value;
}

// The idempotency key grammar of `connect`/`pub` frames and `hub.publish`.
const KEY_RE = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_IDEMPOTENCY_KEY_LENGTH}}$`);

function keyOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !KEY_RE.test(value)) {
    throw badRequest(`key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} of A-Z a-z 0-9 _ -`);
  }
  return value;
}

function dataOf(body: Record<string, unknown>): unknown {
  if (body.data === undefined) throw badRequest('data is required (any JSON value)');
  return body.data;
}

function intParam(params: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const text = params.get(name);
  if (text === null) return undefined;
  const value = Number(text);
  if (text === '' || !Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function failureOf(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  // The hub refuses bad input with a TypeError (`hub.publish(): payload …`).
  if (err instanceof TypeError) return badRequest(err.message.replace(/^hub\.\w+\(\): /, ''));
  const code = (err as { code?: unknown } | null)?.code;
  if (code === ErrorCode.Unavailable || code === 'OUTCOME_UNKNOWN') {
    return new ApiError(503, code, (err as Error).message, { 'retry-after': '1' });
  }
  return undefined;
}

function toJson(data: unknown): { data: unknown; binary?: true } {
  if (!isBinaryPayload(data)) return { data };
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  return {
    data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    binary: true,
  };
}

type Route = (req: IncomingMessage, url: URL) => Promise<unknown>;
type Routes = Record<string, { method: string; run: Route }>;

function userIdOf(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > 256) {
    throw badRequest('userId must be a string of 1 to 256 characters');
  }
  return value;
}

/** Presence and cluster control, for the hub methods that exist. */
function clusterRoutes(hub: HttpApiHub, maxBodyBytes: number): Routes {
  const routes: Routes = {};
  const { presence, presenceStats, disconnectUser, connectionsOf } = hub;
  if (presence) {
    routes.presence = {
      method: 'GET',
      run: async (_req, url) => ({
        members: await presence.call(hub, topicOf(url.searchParams.get('topic') ?? undefined)),
      }),
    };
  }
  if (presenceStats) {
    routes['presence-stats'] = {
      method: 'GET',
      run: async (_req, url) => presenceStats.call(hub, topicOf(url.searchParams.get('topic') ?? undefined)),
    };
  }
  if (disconnectUser) {
    routes.disconnect = {
      method: 'POST',
      async run(req) {
        const body = await readJsonObject(req, maxBodyBytes);
        const { code, reason } = body;
        if (code !== undefined && !Number.isInteger(code))
          throw badRequest('code must be an integer close code');
        if (reason !== undefined && typeof reason !== 'string') throw badRequest('reason must be a string');
        const options = {
          ...(code !== undefined && { code: code as number }),
          ...(reason !== undefined && { reason }),
        };
        return { closed: await disconnectUser.call(hub, userIdOf(body.userId), options) };
      },
    };
  }
  if (connectionsOf) {
    routes.connections = {
      method: 'GET',
      run: async (_req, url) => ({
        connections: await connectionsOf.call(hub, userIdOf(url.searchParams.get('userId') ?? undefined)),
      }),
    };
  }
  return routes;
}

function routes(hub: HttpApiHub, maxBodyBytes: number): Routes {
  return {
    ...clusterRoutes(hub, maxBodyBytes),
    publish: {
      method: 'POST',
      async run(req) {
        const body = await readJsonObject(req, maxBodyBytes);
        const topic = topicOf(body.topic);
        const data = dataOf(body);
        const { epoch, offset, duplicate } = await hub.publish(topic, data, { key: keyOf(body.key) });
        return { epoch, offset, duplicate };
      },
    },
    broadcast: {
      method: 'POST',
      async run(req) {
        const body = await readJsonObject(req, maxBodyBytes);
        if (!Array.isArray(body.topics) || body.topics.length === 0) {
          throw badRequest('topics must be a non-empty list of topics');
        }
        // Every topic is checked before anything is published: a bad list publishes nothing.
        const topics = [...new Set(body.topics.map((t, i) => topicOf(t, `topics[${i}]`)))];
        const data = dataOf(body);
        const key = keyOf(body.key);
        const results = await Promise.all(
          topics.map((topic) =>
            hub.publish(topic, data, { key }).then(
              ({ epoch, offset, duplicate }) => ({ topic, epoch, offset, duplicate }),
              (err: unknown) => {
                const failure = failureOf(err) ?? new ApiError(500, ErrorCode.Internal, 'publish failed');
                return { topic, error: { code: failure.code, message: failure.message } };
              },
            ),
          ),
        );
        return { results };
      },
    },
    history: {
      method: 'GET',
      async run(_req, url) {
        const topic = topicOf(url.searchParams.get('topic') ?? undefined);
        const since = intParam(url.searchParams, 'since', 0, Number.MAX_SAFE_INTEGER);
        const limit = intParam(url.searchParams, 'limit', 1, MAX_LAST) ?? DEFAULT_HISTORY_LIMIT;
        const page = await hub.history(topic, { since, limit });
        const epoch = url.searchParams.get('epoch');
        return {
          epoch: page.epoch,
          offset: page.offset,
          firstOffset: page.firstOffset,
          // True when messages after `since` (or of the given epoch) are no longer kept.
          gap:
            (epoch !== null && epoch !== page.epoch) || (since !== undefined && since + 1 < page.firstOffset),
          messages: page.messages.map((m) => ({ offset: m.offset, ...toJson(m.data) })),
        };
      },
    },
  };
}

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
  const prefix = options.prefix ?? '/api';
  const maxBodyBytes = options.maxBodyBytes ?? 1_048_576;
  const checkKey = apiKeyCheck(options.apiKey);
  const table = routes(hub, maxBodyBytes);
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
