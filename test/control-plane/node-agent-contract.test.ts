import { NEVER_READY_IMAGE as SIM_NEVER_READY, runsNeverReadyImage as simRuns } from '@lostromos/kube-sim';
import { describe, expect, it } from 'vitest';
import { NEVER_READY_IMAGE, runsNeverReadyImage } from './node-agent.ts';

// The node agent (real control plane) and the simulator keep the same Pods unready: tests that make a
// template revision unready rely on both substrates agreeing. The agent cannot import the simulator (it runs
// before anything is built), so the contract is checked here.
describe('never-ready image: node agent and simulator agree', () => {
  it('same marker, same verdicts', () => {
    expect(NEVER_READY_IMAGE).toBe(SIM_NEVER_READY);
    const pod = (image: string): object => ({ spec: { containers: [{ name: 'c', image }] } });
    const deployment = (image: string): object => ({
      spec: { template: { spec: { containers: [{ name: 'c', image }] } } },
    });
    for (const obj of [
      pod('nginx:1.27'),
      pod(`registry.example/${NEVER_READY_IMAGE}:1`),
      deployment('nginx'),
      deployment(NEVER_READY_IMAGE),
      { spec: {} },
      {},
    ])
      expect(runsNeverReadyImage(obj), JSON.stringify(obj)).toBe(simRuns(obj));
    expect(runsNeverReadyImage(pod(NEVER_READY_IMAGE))).toBe(true);
    expect(runsNeverReadyImage(pod('nginx'))).toBe(false);
  });
});
