/** The API's routes for messages: publish, broadcast, history. */
import type { IncomingMessage } from 'node:http';
import { ErrorCode, MAX_LAST } from '@hubbub/protocol';
import type { HttpApiHub } from './api.js';
import { readJsonObject } from './body.js';
import { dataOf, failureOf, intParam, keyOf, toJson, topicOf } from './params.js';
import { ApiError, badRequest } from './respond.js';

/** One route: its HTTP method and what it answers (as JSON). */
export interface Route {
  readonly method: 'GET' | 'POST';
  run(req: IncomingMessage, url: URL): Promise<unknown>;
}

/** Routes by the path segment after the prefix. */
export type Routes = Record<string, Route>;

const DEFAULT_HISTORY_LIMIT = 100;

function publishRoute(hub: HttpApiHub, maxBodyBytes: number): Route {
  return {
    method: 'POST',
    async run(req) {
      const body = await readJsonObject(req, maxBodyBytes);
      const topic = topicOf(body.topic);
      const data = dataOf(body);
      const { epoch, offset, duplicate } = await hub.publish(topic, data, { key: keyOf(body.key) });
      return { epoch, offset, duplicate };
    },
  };
}

function broadcastRoute(hub: HttpApiHub, maxBodyBytes: number): Route {
  return {
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
  };
}

function historyRoute(hub: HttpApiHub): Route {
  return {
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
  };
}

/** `publish`, `broadcast` and `history`. */
export function messageRoutes(hub: HttpApiHub, maxBodyBytes: number): Routes {
  return {
    publish: publishRoute(hub, maxBodyBytes),
    broadcast: broadcastRoute(hub, maxBodyBytes),
    history: historyRoute(hub),
  };
}
