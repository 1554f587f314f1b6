import type { PublishAck, PublishOptions } from '@hubbub/client';
import { useCallback } from 'react';
import { useOwner } from './provider.js';

/** What {@link usePublish} returns: `client.publish`, bound to the provider's client. */
export type Publish = (topic: string, data: unknown, options?: PublishOptions) => Promise<PublishAck>;

/**
 * A stable function that publishes through the provider's client and resolves on the server's
 * ack. Offline publishes wait in the client's queue and go out after the reconnect (with their
 * idempotency key, so they are delivered once). Call it from event handlers and effects.
 */
export function usePublish(): Publish {
  const owner = useOwner('usePublish');
  return useCallback<Publish>(
    (topic, data, options) => {
      try {
        return owner.get().publish(topic, data, options);
      } catch (err) {
        return Promise.reject(err);
      }
    },
    [owner],
  );
}
