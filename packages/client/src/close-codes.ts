import type { CloseCode } from '@hubbub/protocol';

// The close codes the client itself names. Literals typed by the protocol's table: reading them
// from the CloseCode object would put the whole table in the browser bundle.

/** 1000: the session ended on purpose. */
export const NORMAL: typeof CloseCode.Normal = 1000;
/** 1006: the connection was lost without a close frame. */
export const ABNORMAL: typeof CloseCode.Abnormal = 1006;
/** 4401: the server refused the token. */
export const UNAUTHORIZED: typeof CloseCode.Unauthorized = 4401;
