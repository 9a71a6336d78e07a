import { MESSAGES, PROTOBUF_KINDS, type FieldSpec } from './protobuf-schemas.js';
import type { JsonObject, JsonValue } from './types.js';

export class ProtobufError extends Error {
  override readonly name = 'ProtobufError';
  readonly code = 'KSIM_PROTOBUF';
}

/** "k8s\0": the prefix of every Kubernetes protobuf body. */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** resource.Quantity: a message whose field 1 is the canonical string. */
function quantity(buf: Buffer): string {
  const r = new Reader(buf);
  let out = '';
  while (!r.done) {
    const key = Number(r.varint());
    if (key >> 3 === 1 && (key & 7) === 2) out = r.bytes().toString('utf8');
    else r.skip(key & 7);
  }
  return out;
}

/** Go's zero time (year 1): protobuf writes it for unset timestamps; JSON omits it. */
const ZERO_TIME_PREFIX = '0001-01-01T00:00:00';

/** Fields the schema leaves out on purpose (read-only or always empty in requests). */
const SKIPPABLE = new Set(['ObjectMeta.17', 'NamespaceStatus.2']);

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new ProtobufError('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new ProtobufError('varint too long');
    }
  }

  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new ProtobufError('truncated length-delimited field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new ProtobufError(`unsupported wire type ${wire}`);
  }
}

function toSigned(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

function timeOf(buf: Buffer, micro: boolean): string {
  const r = new Reader(buf);
  let seconds = 0;
  let nanos = 0;
  while (!r.done) {
    const key = Number(r.varint());
    const field = key >> 3;
    if (field === 1 && (key & 7) === 0) seconds = toSigned(r.varint());
    else if (field === 2 && (key & 7) === 0) nanos = toSigned(r.varint());
    else r.skip(key & 7);
  }
  // Go's zero time (an empty message, or year 1): omitted, as JSON omits a nil time.
  if ((seconds === 0 && nanos === 0) || seconds < -62135596000) return '';
  const iso = new Date(seconds * 1000).toISOString();
  return micro
    ? iso.replace(/\.\d{3}Z$/, `.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`)
    : iso.replace(/\.\d{3}Z$/, 'Z');
}

function intOrString(buf: Buffer): JsonValue {
  const r = new Reader(buf);
  let type = 0;
  let intVal = 0;
  let strVal = '';
  while (!r.done) {
    const key = Number(r.varint());
    if (key >> 3 === 1) type = Number(r.varint());
    else if (key >> 3 === 2) intVal = toSigned(r.varint());
    else if (key >> 3 === 3) strVal = r.bytes().toString('utf8');
    else r.skip(key & 7);
  }
  return type === 1 ? strVal : intVal;
}

function mapEntry(buf: Buffer, valueType: 'string' | 'bytes' | 'quantity'): [string, string] {
  const r = new Reader(buf);
  let k = '';
  let v = '';
  while (!r.done) {
    const key = Number(r.varint());
    if ((key & 7) !== 2) {
      r.skip(key & 7);
      continue;
    }
    const b = r.bytes();
    if (key >> 3 === 1) k = b.toString('utf8');
    else if (key >> 3 === 2)
      v =
        valueType === 'bytes'
          ? b.toString('base64')
          : valueType === 'quantity'
            ? quantity(b)
            : b.toString('utf8');
  }
  return [k, v];
}

function decodeValue(spec: FieldSpec, wire: number, r: Reader): JsonValue | [string, string] {
  const t = spec.type;
  if (t === 'bool') return r.varint() !== 0n;
  if (t === 'int') return toSigned(r.varint());
  if (wire !== 2) throw new ProtobufError(`field ${spec.name}: expected a length-delimited value`);
  const b = r.bytes();
  if (t === 'string') return b.toString('utf8');
  if (t === 'bytes') return b.toString('base64');
  if (t === 'time' || t === 'microtime') return timeOf(b, t === 'microtime');
  if (t === 'intorstring') return intOrString(b);
  if ('map' in t) return mapEntry(b, t.map);
  return decodeMessage(t.message, b);
}

export function decodeMessage(name: string, buf: Buffer): JsonObject {
  const spec = MESSAGES[name];
  if (!spec) throw new ProtobufError(`no schema for message ${name}`);
  const r = new Reader(buf);
  const out: JsonObject = {};
  while (!r.done) {
    const key = Number(r.varint());
    const field = spec[key >> 3];
    if (!field) {
      // Go writes zero values of every non-pointer field; anything else without a schema is refused rather
      // than silently dropped.
      const wire = key & 7;
      const zero =
        wire === 0 ? r.varint() === 0n : wire === 2 ? r.bytes().length === 0 : (r.skip(wire), false);
      if (!zero && !SKIPPABLE.has(`${name}.${key >> 3}`))
        throw new ProtobufError(
          `field ${key >> 3} of ${name} is not supported in protobuf bodies; send JSON (e.g. kubectl create -f)`,
        );
      continue;
    }
    const v = decodeValue(field, key & 7, r);
    if (typeof field.type === 'object' && 'map' in field.type) {
      const [k, val] = v as [string, string];
      const m = (out[field.name] as JsonObject | undefined) ?? {};
      m[k] = val;
      out[field.name] = m;
    } else if (field.repeated) {
      const list = (out[field.name] as JsonValue[] | undefined) ?? [];
      list.push(v);
      out[field.name] = list;
    } else if (
      v !== '' &&
      v !== 0 &&
      v !== false &&
      !(typeof v === 'string' && field.type === 'time' && v.startsWith(ZERO_TIME_PREFIX))
    )
      out[field.name] = v;
  }
  return out;
}

/** Decodes a `application/vnd.kubernetes.protobuf` body into the JSON object it encodes. */
export function decodeKubernetesProtobuf(body: Buffer): JsonObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC))
    throw new ProtobufError('body does not start with the k8s protobuf magic');
  const unknown = decodeMessage('Unknown', body.subarray(4));
  const tm = (unknown.typeMeta ?? {}) as JsonObject;
  const kind = typeof tm.kind === 'string' ? tm.kind : '';
  if (!PROTOBUF_KINDS.has(kind))
    throw new ProtobufError(`protobuf bodies of kind "${kind}" are not supported; send JSON`);
  const raw = typeof unknown.raw === 'string' ? Buffer.from(unknown.raw, 'base64') : Buffer.alloc(0);
  return { apiVersion: tm.apiVersion ?? '', kind, ...decodeMessage(kind, raw) };
}
