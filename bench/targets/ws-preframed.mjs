/**
 * Target `ws-preframed`: the raw `ws` server, but each message is framed once
 * (`WebSocket.Sender.frame`) and the same frame buffers are written to every subscriber.
 */
import { connectWire } from '../lib/wire-hubbub.mjs';
import { startWsServer } from './ws-server.mjs';

/** Starts the server in this process. */
export const startServer = (opts) => startWsServer({ ...opts, preframed: true });

/** Opens one subscriber-side connection. */
export const connect = connectWire;

/** Opens the publisher's connection. */
export const connectPublisher = connectWire;

/** What the load generator uses, for the README. */
export const describe = 'ws server, frame built once per publish; clients: raw ws';

/** Scenarios where pre-framing can make a difference; the others would repeat `ws`. */
export const scenarios = ['fanout', 'many-topics', 'cross-instance'];
