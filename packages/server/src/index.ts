export {
  type AnyMethods,
  type CallData,
  type CallResult,
  type MethodMap,
  type MethodName,
  RpcError,
} from '@hubbub/protocol';
export type * from './broker/broker.js';
export { BrokerUnavailableError, isBrokerUnavailable } from './broker/errors.js';
export * from './broker/memory.js';
export type { RedisBrokerOptions, RedisTarget } from './broker/redis/broker.js';
export { createRedisBroker, RedisBroker } from './broker/redis/broker.js';
export type { DurabilityOptions } from './broker/redis/durability.js';
export type { HealthCheckOptions } from './broker/redis/link-health.js';
export type { RedisPresenceOptions } from './broker/redis/presence.js';
export type { Publisher, PublisherOptions } from './broker/redis/publisher.js';
export { createPublisher } from './broker/redis/publisher.js';
export type { RedisConnection } from './broker/redis/scripts.js';
export type {
  AuthenticateContext,
  AuthenticatedPrincipal,
  AuthenticateHook,
  AuthenticateResult,
  AuthorizeAction,
  AuthorizeHook,
} from './handlers/auth.js';
export type { HistoryEntry, HistoryPage, HistoryReadOptions } from './history.js';
export { METRICS_CONTENT_TYPE } from './http.js';
export type { CloseOptions, ConnectionContext, DisconnectContext, HubEvents, PublishOptions } from './hub.js';
export { Hub } from './hub.js';
export type { Logger } from './log/logger.js';
export type { MetricsOptions } from './metrics/hub-metrics.js';
export type {
  DeflateOptions,
  HeartbeatOptions,
  HistoryConfig,
  LimitsOptions,
  RpcOptions,
  ServerOptions,
} from './options.js';
export { DEFAULT_HEARTBEAT, DEFAULT_HISTORY, DEFAULT_LIMITS, DEFAULT_RPC } from './options.js';
export type { ConnectionsOfOptions, DisconnectUserOptions } from './presence/cluster.js';
export type { PresenceSetting } from './presence/tracker.js';
export type { CallContext, HandleArgs, MethodHandler } from './rpc/registry.js';
export { createServer } from './server.js';
export type { HubStats } from './stats.js';
