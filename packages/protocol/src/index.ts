export * from './codec.js';
export * from './codes.js';
export * from './constants.js';
export * from './errors.js';
export { isBinaryPayload, type RawFrame } from './frame.js';
export type * from './messages.js';
export * from './server-messages.js';
export * from './topics.js';
