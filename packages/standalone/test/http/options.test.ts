import { createServer } from '@hubbub/server';
import { describe, expect, it } from 'vitest';
import { createHttpApi } from '../../src/index.js';

describe('createHttpApi options', () => {
  it('refuses a missing key and unknown options with a TypeError naming them', async () => {
    const hub = createServer({ noServer: true });
    try {
      expect(() => createHttpApi(hub, {} as never)).toThrow(/"apiKey" must be a non-empty string/);
      expect(() => createHttpApi(hub, { apiKey: 'k', maxBody: 5 } as never)).toThrow(
        /unknown option "maxBody"/,
      );
      expect(typeof createHttpApi(hub, { apiKey: 'k', maxBodyBytes: 5 })).toBe('function');
    } finally {
      await hub.close();
    }
  });
});
