import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonPatchError } from './json-patch.js';
import { ProtobufError } from './protobuf-decoder.js';
import { SelectorError } from './selectors.js';
import { StatusReason } from './status-error.js';
import { StrategicMergePatchError } from './strategic-merge-patch.js';
import { TooOldResourceVersionError } from './watch-hub.js';

const docs = fs.readFileSync(path.resolve(import.meta.dirname, '../../../docs/kube-sim.md'), 'utf8');

describe('docs/kube-sim.md error registry', () => {
  it('documents every Status reason the sim can return', () => {
    for (const reason of Object.values(StatusReason)) expect(docs, reason).toContain(`| \`${reason}\` |`);
  });
  it('documents every internal error code', () => {
    const codes = [
      new SelectorError('x').code,
      new JsonPatchError('x').code,
      new StrategicMergePatchError('x').code,
      new ProtobufError('x').code,
      new TooOldResourceVersionError(1, 2).code,
    ];
    for (const code of codes) expect(docs, code).toContain(`\`${code}\``);
  });
});
