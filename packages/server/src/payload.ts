/**
 * Why `data` cannot be published, or undefined when it can: a payload is bytes (`Uint8Array`,
 * `Buffer`) or a value `JSON.stringify` turns into JSON. Checked where backend code publishes, so
 * nothing is stored and acked that no subscriber could be sent (issue #10, case 6); client
 * publishes arrive decoded from JSON or bytes and need no check.
 */
export function payloadProblem(data: unknown): string | undefined {
  if (data === undefined) return 'data must not be undefined';
  if (data instanceof Uint8Array) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (err) {
    return `data cannot be serialised as JSON (${err instanceof Error ? err.message : String(err)})`;
  }
  return json === undefined ? 'data cannot be serialised as JSON' : undefined;
}
