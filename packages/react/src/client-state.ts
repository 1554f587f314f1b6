import type { Client, ClientState } from '@hubbub/client';
import { useCallback, useSyncExternalStore } from 'react';
import { useClient } from './provider.js';

/**
 * The client's connection state: `'connecting'` (also before the provider's client exists),
 * `'open'`, `'reconnecting'` or `'closed'`. The component renders again on every change.
 */
export function useClientState(): ClientState {
  const client = useClient();
  const subscribe = useCallback((onChange: () => void) => listenState(client, onChange), [client]);
  const read = (): ClientState => client?.state ?? 'connecting';
  return useSyncExternalStore(subscribe, read, read);
}

function listenState(client: Client | undefined, onChange: () => void): () => void {
  if (!client) return () => {};
  client.on('state', onChange);
  return () => client.off('state', onChange);
}
