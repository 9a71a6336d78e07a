import type { KubeObject } from '@lostromos/render';
import { expect } from 'vitest';
import type { CrValueRow } from './cases/cr-values.ts';
import { expectError } from './corpus.ts';
import { PROBE_DATA_KEYS } from './fixtures/files.ts';

/** What became of one Probe CR: the objects it produced, or the error the user is shown. */
export interface ProbeOutcome {
  objects?: KubeObject[];
  error?: { code?: string; text: string };
}

/** The same judgement for in-process and API-server outcomes. */
export function checkOutcome(row: CrValueRow, outcome: ProbeOutcome): void {
  if ('kept' in row.expect) {
    expect(outcome.error, `${row.id}: expected a safe render`).toBeUndefined();
    const objects = outcome.objects ?? [];
    expect(objects, `${row.id}: a CR value must not add objects`).toHaveLength(1);
    const [cm] = objects;
    const value = row.input.spec.value as string;
    const keys = [...PROBE_DATA_KEYS, ...(row.input.spec.key ? [row.input.spec.key as string] : [])].sort();
    expect(Object.keys(cm!.data ?? {}).sort(), `${row.id}: data keys`).toEqual(keys);
    expect(cm!.data, row.id).toMatchObject({
      plain: value,
      double: value,
      single: value,
      inline: `v=${value}`,
      getField: value,
    });
    // A block scalar ends in one newline (clip chomping) unless the value is empty.
    const block = (cm!.data as Record<string, string>).block;
    expect(block === value || block === `${value}\n`, `${row.id}: block ${JSON.stringify(block)}`).toBe(true);
    expect(cm!.metadata.annotations, row.id).toEqual({ 'badinput.example.io/plain': value });
    return;
  }
  expect(outcome.objects, `${row.id}: expected a refusal`).toBeUndefined();
  expectError(outcome.error!, row.expect, row.id);
}
