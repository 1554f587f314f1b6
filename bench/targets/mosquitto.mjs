/**
 * Target `mosquitto`: the Mosquitto broker (Debian's 2.0.x) as its own process, MQTT 3.1.1 over
 * its WebSocket listener, QoS 0 for publishing and subscribing, one MQTT topic per bench topic;
 * every connection authenticates with the shared bench user's password (lib/mosquitto-server.mjs).
 * The figures are mosquitto's own CPU and RSS. Clients: the publisher is the `mqtt` package
 * (mqtt.js 5, `connectAsync`, `publishAsync` resolving once the packet is written), sending each
 * packet as one WebSocket frame (see below); subscribers are the minimal MQTT client on `ws`
 * (lib/wire-mqtt.mjs). No clustering, so no cross-instance; no bundle figure (a browser needs
 * mqtt.js, where the bundle scenario would count the native WebSocket alone).
 */
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { MQTT_PASSWORD, MQTT_USER, startMosquitto } from '../lib/mosquitto-server.mjs';
import { connectMqtt } from '../lib/wire-mqtt.mjs';

/** Scenarios this target runs. */
export const scenarios = [
  'fanout',
  'many-topics',
  'idle-memory',
  'connect-rate',
  'reconnect-storm',
  'steady',
];

/**
 * Established TCP connections of mosquitto's WebSocket listener: /proc/net/tcp rows in state 01
 * whose local port is the listener's and whose owner is mosquitto's user (a client socket of
 * another process can have the same local port number).
 */
function establishedTo(port, pid) {
  const uid = /Uid:\s+\d+\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  const local = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let n = 0;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1]?.endsWith(local) && f[3] === '01' && f[7] === uid) n++;
  }
  return n;
}

/** Starts mosquitto; the target's server shape for `bench/server.mjs`. */
export async function startMosquittoTarget(opts) {
  const broker = await startMosquitto({ port: opts.port });
  return {
    port: broker.port,
    pid: broker.pid,
    stats: () => ({ connections: establishedTo(broker.port, broker.pid) }),
    close: () => broker.close(),
  };
}

/** Opens one subscriber-side connection at `qos` (minimal MQTT client). */
export function connectSubscriber(opts, qos) {
  return connectMqtt({ ...opts, username: MQTT_USER, password: MQTT_PASSWORD, qos });
}

/**
 * In Node, mqtt.js writes every part of a packet (fixed header, topic, payload, ...) to its
 * `ws` stream separately, and each write becomes a WebSocket frame of its own: a PUBLISH is 5
 * frames. mosquitto 2.0.11 then sometimes leaves the rest of a PUBLISH in libwebsockets' buffer
 * until its event loop's 100 ms epoll timeout. mqtt.js's browser transport joins the writes of
 * one tick into one frame (`_writev`); this does the same on the Node stream, so each packet is
 * one frame. `BENCH_MQTT_FRAME_PER_WRITE=1` keeps mqtt.js's Node framing.
 */
const framePerWrite = process.env.BENCH_MQTT_FRAME_PER_WRITE === '1';

function oneFramePerPacket(chunks, cb) {
  this._write(
    Buffer.concat(chunks.map((c) => (typeof c.chunk === 'string' ? Buffer.from(c.chunk) : c.chunk))),
    'binary',
    cb,
  );
}

/**
 * Opens the publisher's connection with mqtt.js; `publish` resolves when mqtt.js reports the
 * packet written (QoS 0) or acknowledged by PUBACK (QoS 1).
 */
export async function connectMqttPublisher(opts, qos) {
  const client = await mqtt.connectAsync(opts.url, {
    protocolVersion: 4,
    username: MQTT_USER,
    password: MQTT_PASSWORD,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: opts.timeoutMs ?? 10_000,
  });
  client.on('error', () => {});
  if (!framePerWrite) client.stream._writev = oneFramePerPacket;
  // mqtt.js waits for 'drain' once per publish written while the socket is backed up; the
  // unbounded phases have thousands in flight.
  client.stream.setMaxListeners(0);
  return {
    publish: (topic, data) => client.publishAsync(topic, JSON.stringify(data), { qos }),
    close: () => client.end(true),
  };
}

/** Starts the server: mosquitto as a child process. */
export const startServer = startMosquittoTarget;

/** Opens one subscriber-side connection, subscribing at QoS 0. */
export const connect = (opts) => connectSubscriber(opts, 0);

/** Opens the publisher's connection, publishing at QoS 0. */
export const connectPublisher = (opts) => connectMqttPublisher(opts, 0);

/** What the load generator uses, for the README. */
export const describe =
  'mosquitto 2.0 (MQTT 3.1.1 over WebSocket, QoS 0); publisher: mqtt.js, one frame per packet; subscribers: minimal MQTT client on ws';
