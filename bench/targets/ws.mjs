/**
 * Target `ws`: raw `ws` server, fan-out by `ws.send(text)` per subscriber. Clients: the raw
 * wire client (the same subset of Hubbub's protocol), for subscribers and the publisher.
 */
import { connectWire } from '../lib/wire-hubbub.mjs';
import { startWsServer } from './ws-server.mjs';

/** Starts the server in this process. */
export const startServer = (opts) => startWsServer({ ...opts, preframed: false });

/** Opens one subscriber-side connection. */
export const connect = connectWire;

/** Opens the publisher's connection. */
export const connectPublisher = connectWire;

/** What the load generator uses, for the README. */
export const describe = 'ws server, one ws.send per subscriber; clients: raw ws';
