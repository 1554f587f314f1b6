/** The API's presence and cluster-control routes, for the hub methods that exist. */
import type { HttpApiHub } from './api.js';
import { readJsonObject } from './body.js';
import { topicOf, userIdOf } from './params.js';
import { badRequest } from './respond.js';
import type { Routes } from './routes.js';

function disconnectOptions(body: Record<string, unknown>) {
  const { code, reason } = body;
  if (code !== undefined && !Number.isInteger(code)) throw badRequest('code must be an integer close code');
  if (reason !== undefined && typeof reason !== 'string') throw badRequest('reason must be a string');
  return { ...(code !== undefined && { code: code as number }), ...(reason !== undefined && { reason }) };
}

/** `presence`, `presence-stats`, `disconnect` and `connections`, where the hub can answer them. */
export function clusterRoutes(hub: HttpApiHub, maxBodyBytes: number): Routes {
  const routes: Routes = {};
  const { presence, presenceStats, disconnectUser, connectionsOf } = hub;
  const topic = (url: URL) => topicOf(url.searchParams.get('topic') ?? undefined);
  if (presence) {
    routes.presence = {
      method: 'GET',
      run: async (_req, url) => ({ members: await presence.call(hub, topic(url)) }),
    };
  }
  if (presenceStats) {
    routes['presence-stats'] = { method: 'GET', run: (_req, url) => presenceStats.call(hub, topic(url)) };
  }
  if (disconnectUser) {
    routes.disconnect = {
      method: 'POST',
      async run(req) {
        const body = await readJsonObject(req, maxBodyBytes);
        const options = disconnectOptions(body);
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
