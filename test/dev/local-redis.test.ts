import { describe, expect, it } from 'vitest';
import { pingRedis, startDevRedis } from '../../apps/cli/src/dev/local-redis.js';
import { freePort } from '../support/index.js';

describe('lostromos dev: local Redis', () => {
  it('starts a private redis-server from PATH with noeviction, and stops it', async () => {
    const port = await freePort();
    const r = await startDevRedis({ port });
    try {
      expect(r.url).toBe(`redis://127.0.0.1:${port}`);
      expect(r.external).toBe(false);
      expect(await pingRedis(port)).toBe(true);
      const policy = await new Promise<string>((resolve, reject) => {
        // CONFIG GET over the raw protocol: no client library needed.
        void import('node:net').then(({ default: net }) => {
          const sock = net.connect(port, '127.0.0.1', () => sock.write('CONFIG GET maxmemory-policy\r\n'));
          sock.once('data', (d) => {
            sock.destroy();
            resolve(d.toString());
          });
          sock.once('error', reject);
        });
      });
      expect(policy).toContain('noeviction');
    } finally {
      await r.stop();
    }
    expect(await pingRedis(port)).toBe(false);
  });
});
