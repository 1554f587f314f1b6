import { type Client, type ClientOptions, createClient } from '@hubbub/client';
import {
  createContext,
  createElement,
  type ReactNode,
  useContext,
  useEffect,
  useState,
  useSyncExternalStore,
} from 'react';
import { ClientOwner } from './client-owner.js';

/** Props of {@link HubbubProvider}: either client options, or a client made elsewhere. */
export type HubbubProviderProps =
  | {
      /**
       * Options of the client the provider creates when it mounts and closes when it unmounts.
       * Read once: to connect elsewhere, give the provider a new `key`.
       */
      readonly options: ClientOptions;
      readonly client?: undefined;
      readonly children?: ReactNode;
    }
  | {
      /** A client made with `createClient`; the provider hands it out and never closes it. */
      readonly client: Client;
      readonly options?: undefined;
      readonly children?: ReactNode;
    };

const OwnerContext = /* @__PURE__ */ createContext<ClientOwner | null>(null);

/**
 * Gives the components below it one Hubbub client. With `options`, the client is created when the
 * provider mounts (not during render) and closed when it unmounts; StrictMode's extra
 * unmount-and-mount keeps the same client, so exactly one WebSocket is opened.
 *
 * @example
 * <HubbubProvider options={{ url: 'wss://example.com/ws', token: getToken }}>
 *   <App />
 * </HubbubProvider>
 */
export function HubbubProvider(props: HubbubProviderProps): ReactNode {
  const { client, options, children } = props;
  const [owner] = useState(() =>
    client ? new ClientOwner({ client }) : new ClientOwner({ create: () => createClient(options!) }),
  );
  useEffect(() => {
    owner.retain();
    return () => owner.release();
  }, [owner]);
  return createElement(OwnerContext.Provider, { value: owner }, children);
}

/** The owner of the nearest provider's client; throws outside a provider, naming `hook`. */
export function useOwner(hook: string): ClientOwner {
  const owner = useContext(OwnerContext);
  if (!owner) throw new Error(`${hook}() must be used inside <HubbubProvider>`);
  return owner;
}

/**
 * The nearest provider's client, for what the hooks do not cover (`queue`, `reconnectNow()`,
 * `close()`). `undefined` during the provider's first render: a provider given `options` creates
 * its client when it mounts, and the component renders again with it.
 */
export function useClient(): Client | undefined {
  const owner = useOwner('useClient');
  return useSyncExternalStore(owner.subscribe, owner.peek, owner.peek);
}
