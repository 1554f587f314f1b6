/**
 * Disposal tied to the test that made something: what a test (or its `beforeEach`) starts is
 * released when that test finishes, pass or fail; what a file's `beforeAll` starts is released
 * after the file. Releases run last in, first out, after the file's own `afterEach` hooks, and one
 * that throws does not keep the others from running.
 *
 * Relies on Vitest's default isolation (each test file imports its own copy of this module).
 */
import { afterAll, onTestFinished, TestRunner } from 'vitest';

type Release = () => unknown;

const afterFile: Release[] = [];

afterAll(async () => {
  const errors: unknown[] = [];
  for (const release of afterFile.splice(0).reverse()) {
    try {
      await release();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length > 0) throw errors[0];
});

/** Runs `release` when the current test finishes, or after the file when called outside a test. */
export function disposeLater(release: Release): void {
  if (TestRunner.getCurrentTest()) onTestFinished(async () => void (await release()));
  else afterFile.push(release);
}
