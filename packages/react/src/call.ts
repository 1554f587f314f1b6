import type { AnyMethods, CallArgs, CallResult, Client, MethodName } from '@hubbub/client';
import { useCallback } from 'react';
import { useOwner } from './provider.js';

/**
 * What {@link useCall} returns: `client.call`, bound to the provider's client and typed by the
 * method map `M` (the same map the server's `hub.handle` is typed with).
 */
export type Call<M extends object = AnyMethods> = <K extends MethodName<M>>(
  method: K,
  ...args: CallArgs<M, K>
) => Promise<CallResult<M, K>>;

/**
 * A stable function that calls the server's handler for `method` and resolves with its result.
 * It rejects as `client.call` does: an `RpcError` the handler threw, or a HubbubError such as
 * `TIMEOUT`, `UNKNOWN_METHOD` or `OUTCOME_UNKNOWN` (the link ended after the call was sent; it is
 * never sent twice). Call it from event handlers and effects.
 *
 * @example
 * type Methods = { 'room.rename': (data: { room: string; name: string }) => { ok: true } };
 * const call = useCall<Methods>();
 * await call('room.rename', { room: 'lobby', name: 'Lobby' }, { timeoutMs: 5_000 });
 */
export function useCall<M extends object = AnyMethods>(): Call<M> {
  const owner = useOwner('useCall');
  return useCallback(
    ((method: string, ...args: [unknown?, { timeoutMs?: number }?]) => {
      try {
        return (owner.get() as Client<AnyMethods>).call(method, ...args);
      } catch (err) {
        return Promise.reject(err);
      }
    }) as Call<M>,
    [owner],
  );
}
