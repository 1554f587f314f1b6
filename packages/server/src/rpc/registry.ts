import { type AnyMethods, methodProblem } from '@hubbub/protocol';

/** Second argument of a method handler: the connection that called. */
export interface CallContext {
  /** Session id of the calling connection. */
  readonly sid: string;
  /** The user `authenticate` named for the connection, when it named one. */
  readonly userId: string | undefined;
  /** The principal `authenticate` returned (the latest, after token refreshes). */
  readonly principal: unknown;
  /**
   * Id of the client instance, which its SDK sends on every (re)connect: names an anonymous
   * caller (no `userId`) across its reconnects. Absent when the client sent none.
   */
  readonly client: string | undefined;
}

/**
 * The handler argument of `hub.handle(method, handler)` for method `K` of the method map `M`: a
 * function taking the call's data and who called, returning the result (JSON value or bytes) or
 * a promise of it. A one-element tuple worked out from `M[K]`, which keeps a hub typed by a method
 * map assignable to a plain `Hub`.
 */
export type HandleArgs<M, K extends keyof M> = M[K] extends (...args: infer P) => infer R
  ? [handler: (data: P[0], ctx: CallContext) => Awaited<R> | PromiseLike<Awaited<R>>]
  : never;

/** Handler of method `K` of the method map `M` (see `MethodMap`). */
export type MethodHandler<M = AnyMethods, K extends keyof M = keyof M> = HandleArgs<M, K>[0];

/** A handler as the registry keeps it, its types erased. */
export type StoredHandler = (data: unknown, ctx: CallContext) => unknown;

/** The hub's method handlers, by method name. One handler per method, for the hub's life. */
export class MethodRegistry {
  readonly #handlers = new Map<string, StoredHandler>();

  /**
   * Adds the handler of `method`. Throws a TypeError for a name outside the topic grammar or a
   * handler that is not a function, an Error when `method` already has one.
   */
  add(method: string, handler: StoredHandler): void {
    const problem = methodProblem(method);
    if (problem) throw new TypeError(`hub.handle(): ${problem}`);
    if (typeof handler !== 'function') throw new TypeError('hub.handle(): the handler must be a function');
    if (this.#handlers.has(method)) throw new Error(`hub.handle(): "${method}" already has a handler`);
    this.#handlers.set(method, handler);
  }

  /** The handler of `method`, if it has one. */
  get(method: string): StoredHandler | undefined {
    return this.#handlers.get(method);
  }
}
