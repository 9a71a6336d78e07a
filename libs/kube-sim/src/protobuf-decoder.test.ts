import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf, ProtobufError } from './protobuf-decoder.js';

// Minimal protobuf writer for building test bodies.
const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
};
const field = (num: number, payload: Buffer): Buffer =>
  Buffer.from([...varint((num << 3) | 2), ...varint(payload.length), ...payload]);
const str = (num: number, s: string): Buffer => field(num, Buffer.from(s));
const entry = (num: number, k: string, v: string): Buffer =>
  field(num, Buffer.concat([str(1, k), str(2, v)]));

describe('Kubernetes protobuf bodies', () => {
  it('decodes a ConfigMap inside the k8s Unknown envelope', () => {
    const meta = Buffer.concat([str(1, 'cfg'), str(2, ''), str(3, 'ns'), entry(11, 'app', 'x')]);
    const raw = Buffer.concat([field(1, meta), entry(2, 'a', 'b')]);
    const unknown = Buffer.concat([
      field(1, Buffer.concat([str(1, 'v1'), str(2, 'ConfigMap')])),
      field(2, raw),
      str(3, ''),
      str(4, ''),
    ]);
    const body = Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), unknown]);
    expect(decodeKubernetesProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'ns', labels: { app: 'x' } },
      data: { a: 'b' },
    });
  });
  it('refuses fields it has no schema for instead of dropping them, but skips Go zero values', () => {
    const envelope = (kind: string, raw: Buffer) =>
      Buffer.concat([
        Buffer.from([0x6b, 0x38, 0x73, 0x00]),
        field(1, Buffer.concat([str(1, 'v1'), str(2, kind)])),
        field(2, raw),
      ]);
    const zeroBool = Buffer.from([(4 << 3) | 0, 0]); // ConfigMap.immutable=false
    expect(
      decodeKubernetesProtobuf(envelope('ConfigMap', Buffer.concat([field(1, str(1, 'z')), zeroBool]))),
    ).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'z' } });
    const unknownField = Buffer.from([(9 << 3) | 0, 1]);
    expect(() =>
      decodeKubernetesProtobuf(envelope('ConfigMap', Buffer.concat([field(1, str(1, 'z')), unknownField]))),
    ).toThrow(/field 9 of ConfigMap is not supported/);
  });

  it('rejects bodies without the magic prefix and kinds it has no schema for', () => {
    expect(() => decodeKubernetesProtobuf(Buffer.from('{}'))).toThrow(ProtobufError);
    const unknown = field(1, Buffer.concat([str(1, 'apps/v1'), str(2, 'DaemonSet')]));
    expect(() =>
      decodeKubernetesProtobuf(Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), unknown])),
    ).toThrow(/kind "DaemonSet" are not supported/);
  });
});
