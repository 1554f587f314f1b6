/**
 * Target `mosquitto-qos1`: as `mosquitto`, with QoS 1 on both sides: the publisher's `publish`
 * resolves on the broker's PUBACK, every delivery to a subscriber is a QoS 1 PUBLISH that the
 * subscriber acknowledges with PUBACK (at most 20 unacknowledged per subscriber, mosquitto's
 * default `max_inflight_messages`; the rest wait in its queue). Slower than QoS 0: the windowed
 * fan-out delivered 2,000 to 7,500 messages/s in smoke runs, so its 500,000 deliveries at the
 * default counts would outlast the 60 s phase timeout (the figures then cover what was delivered
 * by then, `timedOut: true`); this target is meant to be run at the reduced counts of `--quick`
 * (with `--runs 3` for a median), e.g.
 * `node bench/run.mjs --target mosquitto,mosquitto-qos1 --quick --runs 3 --subs 100,1000`.
 */
import {
  connectMqttPublisher,
  connectSubscriber,
  scenarios as qos0Scenarios,
  startMosquittoTarget,
} from './mosquitto.mjs';

/** Scenarios this target runs (the same as QoS 0). */
export const scenarios = qos0Scenarios;

/** Starts the server: mosquitto as a child process. */
export const startServer = startMosquittoTarget;

/** Opens one subscriber-side connection, subscribing at QoS 1. */
export const connect = (opts) => connectSubscriber(opts, 1);

/** Opens the publisher's connection, publishing at QoS 1. */
export const connectPublisher = (opts) => connectMqttPublisher(opts, 1);

/** What the load generator uses, for the README. */
export const describe =
  'mosquitto 2.0 (MQTT 3.1.1 over WebSocket, QoS 1 publish and subscribe); publisher: mqtt.js, one frame per packet; subscribers: minimal MQTT client on ws';
