import type { ResourceConfig } from '@lostromos/config';
import type { RolloutView } from '@lostromos/queue';
import type { CrRenderer, KubeObject } from '@lostromos/reconcile';
import type { ResourceRenderer } from '@lostromos/render';
import { describe, expect, it } from 'vitest';
import { RevisionRouter, type RevisionSource } from './revision-router.js';

const A = `aaaaaaaaaaaa${'1'.repeat(52)}`;
const B = `bbbbbbbbbbbb${'2'.repeat(52)}`;
const resource = { name: 'ships', group: 'fleet.example.io', plural: 'ships' } as ResourceConfig;
const cr = (status?: Record<string, unknown>, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'fleet.example.io/v1',
  kind: 'Ship',
  metadata: { name: 'one', namespace: 'default', ...(annotations ? { annotations } : {}) },
  ...(status ? { status } : {}),
});

/** The worker's own renderer: renders `local:<revision>`; `reloadDuringRender` switches it mid-render. */
function localRenderer(revision: string, reloadDuringRender?: string): CrRenderer {
  let current = revision;
  return {
    get revision() {
      return current;
    },
    render() {
      const used = current;
      if (reloadDuringRender) current = reloadDuringRender;
      return Promise.resolve([
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `local-${used.slice(0, 4)}` } },
      ]);
    },
  };
}

const library = {
  renderer: (revision: string): Promise<ResourceRenderer> =>
    Promise.resolve({
      revision,
      render: () =>
        Promise.resolve([
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `stored-${revision.slice(0, 4)}` } },
        ]),
      close: () => Promise.resolve(),
    }),
};

const router = (local: CrRenderer, source: RevisionSource) =>
  new RevisionRouter({ resource, local, library, source });
const rollout = (view: Partial<RolloutView>): RevisionSource => ({
  stored: () => Promise.resolve([B, A]),
  rollout: () => Promise.resolve({ stable: A, target: B, active: true, promoted: false, ...view }),
});

describe('RevisionRouter (each job renders with the revision its CR should be on)', () => {
  it('without pin or rollout renders the local templates and reports the revision it rendered with, even if they reload meanwhile', async () => {
    const job = router(localRenderer(A, B), { stored: () => Promise.resolve([]) }).forJob();
    expect((await job.render(cr()))[0]?.metadata.name).toBe('local-aaaa');
    expect(job.revision).toBe(A);
  });

  it('during a rollout a CR on the stable revision renders it from the store when this worker loaded the new one', async () => {
    const job = router(localRenderer(B), rollout({})).forJob();
    expect((await job.render(cr({ templateRevision: A.slice(0, 12) })))[0]?.metadata.name).toBe(
      'stored-aaaa',
    );
    expect(job.revision).toBe(A);
    expect(job.reason).toBe('stable');
  });

  it('a promoted CR renders the target with the local templates when they are the target', async () => {
    const job = router(localRenderer(B, A), rollout({ promoted: true })).forJob();
    expect((await job.render(cr({ templateRevision: A.slice(0, 12) })))[0]?.metadata.name).toBe('local-bbbb');
    expect(job.revision).toBe(B);
    expect(job.reason).toBe('promoted');
  });

  it('a pin to an unknown revision fails the render with UnknownRevisionError; Redis trouble is retryable', async () => {
    const job = router(localRenderer(A), rollout({})).forJob();
    await expect(
      job.render(cr({}, { 'lostromos.io/template-revision': 'ffffffffffff' })),
    ).rejects.toMatchObject({
      code: 'LZ_UNKNOWN_REVISION',
      reason: 'UnknownTemplateRevision',
    });
    const down = router(localRenderer(A), {
      stored: () => Promise.reject(new Error('ECONNREFUSED')),
      rollout: () => Promise.reject(new Error('ECONNREFUSED')),
    }).forJob();
    await expect(down.render(cr())).rejects.toMatchObject({
      code: 'LZ_TEMPLATE_STORE_UNAVAILABLE',
      retryable: true,
      message: 'cannot read the template revisions of resource ships from Redis: ECONNREFUSED',
    });
  });
});
