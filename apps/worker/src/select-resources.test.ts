import { describe, expect, it } from 'vitest';
import { parseConfig } from '@lostromos/config';
import { selectResources } from './worker-app.js';

const config = (workerResources: string) =>
  parseConfig(
    `worker: { resources: [${workerResources}] }
resources:
  - { name: a, group: x.example.io, version: v1, plural: as, templates: /tmp }
  - { name: b, group: x.example.io, version: v1, plural: bs, templates: /tmp }
`,
    { cwd: '/tmp', env: {} },
  );

describe('selectResources', () => {
  it('serves every resource by default and only the named ones when worker.resources is set', () => {
    expect(selectResources(config('')).map((r) => r.name)).toEqual(['a', 'b']);
    expect(selectResources(config('b')).map((r) => r.name)).toEqual(['b']);
  });
});
