export { type Call, useCall } from './call.js';
export { useClientState } from './client-state.js';
export { type PresenceView, usePresence } from './presence.js';
export { HubbubProvider, type HubbubProviderProps, useClient } from './provider.js';
export { type Publish, usePublish } from './publish.js';
export {
  DEFAULT_KEEP,
  type ReceivedMessage,
  type SubscriptionView,
  type UseSubscriptionOptions,
  useSubscription,
} from './subscription.js';
