/**
 * Entry of a publisher that runs in its own process (see `startPublisherProcess`): connects to
 * argv[2], publishes argv[4] messages (0, 1, 2 ...) to topic argv[3] as fast as the client lets
 * it, and prints one JSON line: how each publish ended and the codes of the `error` events.
 */
import { createClient, type HubbubError } from '@hubbub/client';

const [url = '', topic = '', count = '0'] = process.argv.slice(2);
const client = createClient({ url, reconnect: { minDelayMs: 20, maxDelayMs: 200 } });
const reported: string[] = [];
client.on('error', (err) => reported.push(err.code));
// Publishes made before the link opens wait in the queue.
const outcomes = Array.from({ length: Number(count) }, (_, i) =>
  client.publish(topic, i).then(
    () => 'acked',
    (err: HubbubError) => err.code,
  ),
);
Promise.all(outcomes).then((settled) => {
  process.stdout.write(`${JSON.stringify({ outcomes: settled, reported })}\n`);
  client.close();
});
