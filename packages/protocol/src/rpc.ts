/**
 * An application's refusal of a call. Thrown (or rejected with) by a `hub.handle` handler, it
 * rejects the caller's `client.call` with the same `code`, `message` and `data`; the client side
 * rejects with an `RpcError` too. Anything else a handler throws reaches the caller as `INTERNAL`.
 */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  /** The application's own code, e.g. `'NOT_FOUND'`. */
  readonly code: string;
  /** Detail for the caller: any JSON value, or `undefined`. */
  readonly data: unknown;

  /** Throws a TypeError when `code` is not a non-empty string. */
  constructor(code: string, message: string, data?: unknown) {
    super(message);
    if (typeof code !== 'string' || !code) throw new TypeError('RpcError: "code" must be a non-empty string');
    this.code = code;
    this.data = data;
  }
}

/**
 * Method maps: an interface from method name to the handler's signature, declared once and given
 * to both `createServer<M>()` and `createClient<M>()`:
 *
 * ```ts
 * interface ChatMethods {
 *   'room.rename': (data: { room: string; name: string }) => { name: string };
 *   'room.history.search': (data: { room: string; text: string }) => Line[];
 * }
 * ```
 */
export type MethodMap = object;

/** Any method, any data, unknown result: what an untyped client or hub accepts. */
export type AnyMethods = Record<string, (data?: unknown) => unknown>;

/** The method names of `M`. */
export type MethodName<M> = Extract<keyof M, string>;

/** What method `K` of `M` takes: its handler's first parameter (`undefined` when it has none). */
export type CallData<M, K extends keyof M> = M[K] extends (...args: infer P) => unknown ? P[0] : never;

/** What a call of method `K` of `M` resolves with: its handler's return value, awaited. */
export type CallResult<M, K extends keyof M> = M[K] extends (...args: never[]) => infer R
  ? Awaited<R>
  : never;
