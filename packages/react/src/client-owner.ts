import type { Client } from '@hubbub/client';

/**
 * The provider's client, created on first use outside render (never during render: React may
 * render and throw away, and React 18's StrictMode renders twice from fresh state) and closed a
 * macrotask after the last mount is gone, so that StrictMode's unmount-and-mount-again keeps the
 * same client and its socket: the second mount cancels the close the first unmount scheduled.
 * @internal
 */
export class ClientOwner {
  #client: Client | undefined;
  #mounts = 0;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set once the owned client was closed with no mount left; cleared by the next mount. */
  #unmounted = false;
  readonly #listeners = new Set<() => void>();
  readonly #create: (() => Client) | undefined;

  /** With `create`, the owner makes and closes its client; with `client`, it only hands it out. */
  constructor(source: { create: () => Client } | { client: Client }) {
    if ('client' in source) this.#client = source.client;
    else this.#create = source.create;
  }

  /** The client if there is one yet; safe during render (never creates one). */
  peek = (): Client | undefined => this.#client;

  /** The client, created if needed. Call it from effects and event handlers, never during render. */
  get(): Client {
    if (this.#client) return this.#client;
    if (this.#unmounted) throw new Error('the HubbubProvider of this component is unmounted');
    this.#client = this.#create!();
    for (const listener of this.#listeners) listener();
    return this.#client;
  }

  /** A provider mounted: cancels a pending close and makes sure the client exists. */
  retain(): Client {
    clearTimeout(this.#closeTimer);
    this.#closeTimer = undefined;
    this.#mounts++;
    this.#unmounted = false;
    return this.get();
  }

  /** A provider unmounted: closes an owned client unless a mount follows within the same turn. */
  release(): void {
    if (--this.#mounts > 0 || !this.#create) return;
    this.#closeTimer = setTimeout(() => {
      this.#closeTimer = undefined;
      if (this.#mounts > 0) return;
      this.#unmounted = true;
      const client = this.#client;
      this.#client = undefined;
      client?.close();
      for (const listener of this.#listeners) listener();
    }, 0);
  }

  /** Calls `listener` whenever the client appears or goes; returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };
}
