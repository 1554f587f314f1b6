/** The load-generator functions shared by the publish/subscribe scenarios. */
import { publish, setup, teardown } from './pubsub-load.mjs';

/** Functions the load generator process exposes to the runner for these scenarios. */
export const lg = { setup, publish, teardown };
