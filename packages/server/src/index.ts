export type {
  AuthenticateContext,
  AuthenticatedPrincipal,
  AuthenticateHook,
  AuthenticateResult,
  AuthorizeAction,
  AuthorizeHook,
} from './auth.js';
export type * from './broker/broker.js';
export { BrokerUnavailableError, isBrokerUnavailable } from './broker/errors.js';
export * from './broker/memory.js';
export type { RedisBrokerOptions, RedisTarget } from './broker/redis.js';
export { createRedisBroker, RedisBroker } from './broker/redis.js';
export type { CloseOptions, ConnectionContext, DisconnectContext, HubEvents } from './hub.js';
export { Hub } from './hub.js';
export type {
  DeflateOptions,
  HeartbeatOptions,
  HistoryConfig,
  LimitsOptions,
  ServerOptions,
} from './options.js';
export { DEFAULT_HEARTBEAT, DEFAULT_HISTORY, DEFAULT_LIMITS } from './options.js';
export type { Publisher, PublisherOptions } from './publisher.js';
export { createPublisher } from './publisher.js';
export { createServer } from './server.js';
export type { HubStats } from './stats.js';
