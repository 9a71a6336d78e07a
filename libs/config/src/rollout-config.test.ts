import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { parseConfig } from './load-config.js';

const base = { file: '/etc/lostromos/config.yaml', env: {}, hostname: 'host', pid: 7 };
const resource = (extra: string): string => `
resources:
  - name: ships
    group: fleet.example.io
    version: v1
    plural: ships
    templates: ./ships
${extra}`;

function messageOf(text: string): string {
  try {
    parseConfig(text, base);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('resources[].rollout (staged rollout of template changes)', () => {
  it('is absent unless configured: every CR re-renders at once, as before', () => {
    expect(parseConfig(resource(''), base).resources[0]!.rollout).toBeUndefined();
  });

  it('fills its defaults: waves of 25%, no pause, no failure tolerated, wait for Ready up to 10 minutes', () => {
    expect(parseConfig(resource('    rollout: {}\n'), base).resources[0]!.rollout).toEqual({
      batchSize: '25%',
      pauseSeconds: 0,
      maxFailures: 0,
      readiness: true,
      readinessTimeoutSeconds: 600,
    });
  });

  it('takes a number of CRs or a percentage', () => {
    const r = parseConfig(
      resource(
        '    rollout: { batchSize: 10, pauseSeconds: 30, maxFailures: 2, readiness: false, readinessTimeoutSeconds: 120 }\n',
      ),
      base,
    ).resources[0]!.rollout;
    expect(r).toEqual({
      batchSize: 10,
      pauseSeconds: 30,
      maxFailures: 2,
      readiness: false,
      readinessTimeoutSeconds: 120,
    });
    expect(
      parseConfig(resource('    rollout: { batchSize: "100%" }\n'), base).resources[0]!.rollout?.batchSize,
    ).toBe('100%');
  });

  it('names the field and the fix for bad values and unknown keys', () => {
    expect(messageOf(resource('    rollout: { batchSize: "quarter" }\n'))).toContain(
      `resources[0].rollout.batchSize: must be a number of CRs (e.g. 10) or a percentage of the resource's CRs from 1% to 100% (e.g. "25%")`,
    );
    expect(messageOf(resource('    rollout: { batchSize: "0%" }\n'))).toContain(
      'resources[0].rollout.batchSize',
    );
    expect(messageOf(resource('    rollout: { batchSize: 0 }\n'))).toContain(
      'resources[0].rollout.batchSize: must be at least 1 CR',
    );
    expect(messageOf(resource('    rollout: { maxFailures: -1 }\n'))).toContain(
      'resources[0].rollout.maxFailures',
    );
    expect(messageOf(resource('    rollout: { pauseSecond: 5 }\n'))).toContain('pauseSeconds');
  });
});
