/**
 * The checked-in API reports (packages/<name>/api/<name>.api.md) match the built declarations, so
 * every change to the public surface shows in review. After a deliberate change:
 * `npm run build && npm run api:update`, and commit the report with the change.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiReport, ROOT, reportedPackages, reportPath } from '../../scripts/api-report.mjs';
import { assertBuilt, publishablePackages } from './packages.js';

describe.each(reportedPackages().map((p) => [p.manifest.name, p.dir] as const))('%s', (_name, dir) => {
  it('has an API report that matches its built declarations', () => {
    assertBuilt(publishablePackages().filter((p) => p.dir === dir));
    const path = join(ROOT, reportPath(dir));
    expect(existsSync(path), `${reportPath(dir)} is missing: run \`npm run api:update\``).toBe(true);
    expect(
      apiReport(dir),
      `${reportPath(dir)} is stale: run \`npm run build && npm run api:update\` and review the diff`,
    ).toBe(readFileSync(path, 'utf8'));
  });
});
