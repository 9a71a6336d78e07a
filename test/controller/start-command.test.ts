import { describe, expect, it } from 'vitest';
import { spawnLostromos } from '../support/index.js';
import { FIXTURES } from './harness.js';
import path from 'node:path';

// `lostromos start` refuses bad input with exit code 2 and a message that says what to fix.

const crd = [
  '--crd-name',
  'ships',
  '--crd-group',
  'fleet.example.io',
  '--crd-version',
  'v1',
  '--templates',
  path.join(FIXTURES, 'ships'),
];

describe('lostromos start: bad input', () => {
  it('without a config or single-CRD flags: exit 2 naming --config', async () => {
    const p = spawnLostromos(['start']);
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/--config FILE is required/);
  });

  it('with a kubeconfig that does not exist: exit 2 naming the file and the flag', async () => {
    const p = spawnLostromos([
      'start',
      ...crd,
      '--kubeconfig',
      '/nonexistent/kubeconfig',
      '--role',
      'worker',
    ]);
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/kubeconfig \/nonexistent\/kubeconfig does not exist: pass --kubeconfig FILE/);
  });

  it('with an unknown role: exit 2', async () => {
    const p = spawnLostromos(['start', ...crd, '--role', 'boss']);
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/role/);
  });
});
