import fs from 'node:fs';
import path from 'node:path';
import YAML, { LineCounter } from 'yaml';
import { parseUserYaml, userYamlValue, type YamlProblem } from '@lostromos/config';
import type { KubeObject } from '@lostromos/render';
import { UsageError } from '../command.js';
import { groupOf } from '@lostromos/model';

function readText(file: string, what: string, cwd: string): string {
  try {
    return fs.readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a folder' : e.message;
    throw new UsageError(`${what} ${file}: ${why}`);
  }
}

/**
 * The documents of a YAML input as plain data, read with the config loader's checks and limits (libs/config
 * safe-yaml.ts): syntax errors, nesting too deep for the parser, circular aliases and YAML bombs are usage
 * errors naming the input (`where`: "--cr FILE"), the document when there can be several, and the line.
 */
function readYamlInput(text: string, where: string, opts: { all: boolean }): unknown[] {
  const lines = new LineCounter();
  const line = (p: YamlProblem): string =>
    p.offset === undefined ? '' : ` (line ${lines.linePos(p.offset).line})`;
  const { docs, problems } = parseUserYaml(text, { lineCounter: lines, all: opts.all });
  const first = problems[0];
  if (first) throw new UsageError(`${where}: ${first.message}${line(first)}`);
  return docs.map((doc, i) => {
    const read = userYamlValue(doc);
    if (!('problem' in read)) return read.value;
    const what = opts.all && docs.length > 1 ? `document ${i + 1}: ` : '';
    throw new UsageError(`${where}: ${what}${read.problem.message}${line(read.problem)}`);
  });
}

/** Everything on a stream (standard input), as UTF-8 text. */
export async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** A CR read from --cr, with where it was: `--cr FILE: document 2` (for messages). */
export interface CrDocument {
  cr: KubeObject;
  where: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Pure: why `ns` is not a valid namespace name (a DNS-1123 label), or undefined when it is one. */
export function namespaceProblem(ns: string): string | undefined {
  if (DNS_LABEL.test(ns) && ns.length <= 63) return undefined;
  return `${JSON.stringify(ns)} is not a valid namespace name: use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. team-a)`;
}

export { groupOf };

/**
 * Pure: why an object is not a custom resource, or undefined. A CustomResourceDefinition (the CRD itself), and
 * the built-in kinds (core `v1`, and the groups without a dot such as `apps` or `batch`: a CRD's group always
 * has one) are not.
 */
export function notACustomResource(o: KubeObject): string | undefined {
  if (o.kind === 'CustomResourceDefinition' && groupOf(o.apiVersion) === 'apiextensions.k8s.io') {
    const spec = (
      o as { spec?: { group?: string; names?: { kind?: string }; versions?: { name?: string }[] } }
    ).spec;
    const kind = spec?.names?.kind;
    const version = spec?.versions?.[0]?.name;
    const example =
      kind && spec?.group && version ? ` (apiVersion: ${spec.group}/${version}, kind: ${kind})` : '';
    return `is the CustomResourceDefinition ${o.metadata.name}, not a custom resource: give a ${kind ?? 'CR'} of it${example}`;
  }
  const group = groupOf(o.apiVersion);
  if (!group.includes('.')) {
    return `is a ${o.kind} (${o.apiVersion}), a built-in Kubernetes kind, not a custom resource: give a CR of the CRD the templates are for`;
  }
  return undefined;
}

/**
 * The custom resources of a YAML file (one or more documents; a `kind: List` such as
 * `kubectl get <kind> -o yaml` prints is expanded to its items); a usage error when it holds none, or holds
 * anything that is not a custom resource (a CRD, a ConfigMap, …), or a CR with an invalid namespace.
 * `file` is "-" for standard input, whose text is then `stdinText`.
 */
export function readCustomResources(file: string, cwd: string, stdinText?: string): CrDocument[] {
  const fromStdin = file === '-';
  const where = fromStdin ? '--cr - (standard input)' : `--cr ${file}`;
  const text = fromStdin ? (stdinText ?? '') : readText(file, '--cr', cwd);
  if (fromStdin && text.trim() === '') {
    throw new UsageError(
      `${where}: standard input is empty; pipe a CR in (e.g. kubectl get <kind> <name> -o yaml | lostromos render ... --cr -) or give a file`,
    );
  }
  const values = readYamlInput(text, where, { all: true });
  const crs: CrDocument[] = [];
  const add = (v: unknown, what: string): void => {
    const o = v as Partial<KubeObject>;
    if (
      typeof v !== 'object' ||
      v === null ||
      Array.isArray(v) ||
      typeof o.apiVersion !== 'string' ||
      typeof o.kind !== 'string' ||
      typeof o.metadata?.name !== 'string'
    ) {
      throw new UsageError(
        `${where}: ${what} is not a custom resource (needs apiVersion, kind and metadata.name)`,
      );
    }
    const cr = v as KubeObject;
    const notCr = notACustomResource(cr);
    if (notCr) throw new UsageError(`${where}: ${what} ${notCr}`);
    const ns = cr.metadata.namespace;
    const bad = typeof ns === 'string' && ns !== '' ? namespaceProblem(ns) : undefined;
    if (bad) throw new UsageError(`${where}: ${what}: metadata.namespace ${bad}`);
    crs.push({ cr, where: `${where}: ${what}` });
  };
  values.forEach((v, i) => {
    if (v === null || v === undefined) return;
    const maybeList = v as { kind?: unknown; items?: unknown };
    if (maybeList.kind === 'List' && Array.isArray(maybeList.items)) {
      maybeList.items.forEach((item, j) => add(item, `document ${i + 1} (List) item ${j + 1}`));
      return;
    }
    add(v, `document ${i + 1}`);
  });
  if (crs.length === 0)
    throw new UsageError(`${where}: no custom resource in ${fromStdin ? 'the input' : 'the file'}`);
  return crs;
}

/** A values file: a YAML mapping (empty file = {}). */
export function readValuesFile(file: string, cwd: string): Record<string, unknown> {
  const text = readText(file, '--values', cwd);
  const [v] = readYamlInput(text, `--values ${file}`, { all: false });
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new UsageError(`--values ${file}: must be a YAML mapping (key: value)`);
  return v as Record<string, unknown>;
}

/** Removes `--name value` / `--name=value` for the given names (flags loadConfig must not see). */
export function withoutFlags(
  argv: readonly string[],
  names: readonly string[],
  valued: ReadonlySet<string>,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.startsWith('--') ? a.slice(2).split('=')[0]! : undefined;
    if (name !== undefined && names.includes(name)) {
      if (!a.includes('=') && valued.has(name)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** Multi-document YAML, each object as its own document. */
/**
 * Whether a plain (unquoted) scalar with this text would be read back as something other than this string
 * by a YAML 1.2 reader (ours) or a YAML 1.1 reader (kubectl, Go's sigs.k8s.io/yaml: `yes`, `on`, `0o17`…).
 */
function ambiguousAsPlain(text: string): boolean {
  try {
    return YAML.parse(text) !== text || (YAML.parse(text, { version: '1.1' }) as unknown) !== text;
  } catch {
    return true;
  }
}

/** One object as YAML that every reader reads back identically: ambiguous strings are double-quoted. */
export function toSafeYaml(o: unknown): string {
  const doc = new YAML.Document(o, { aliasDuplicateObjects: false });
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && ambiguousAsPlain(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ lineWidth: 0 });
}

export function toMultiDocYaml(objects: readonly unknown[]): string {
  return objects.map((o) => `---\n${toSafeYaml(o)}`).join('');
}
