export type { PresenceMember } from '@hubbub/protocol';
export {
  type AnyMethods,
  type CallData,
  type CallResult,
  type MethodMap,
  type MethodName,
  RpcError,
} from '@hubbub/protocol';
export { BACKOFF_DEFAULTS, type BackoffOptions, backoff } from './backoff.js';
export type { CallArgs, CallOptions } from './calls.js';
export { Client, type PublishOptions, type QueueInfo, type SubscribeOptions } from './client.js';
export { HubbubError, type HubbubErrorCode } from './errors.js';
export type * from './events.js';
export {
  type ClientOptions,
  DEFAULTS,
  type HeartbeatOptions,
  type ReconnectOptions,
  type SendQueueOptions,
  type TokenProvider,
} from './options.js';
export type { PresenceStats } from './presence.js';
export type { PublishAck } from './publishes.js';
export type { Subscription } from './subscription.js';
export type { WebSocketConstructor, WebSocketLike } from './transport.js';
