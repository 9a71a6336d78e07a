import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { KubeObject } from '@lostromos/render';
import { UsageError } from '../command.js';

function readText(file: string, what: string, cwd: string): string {
  try {
    return fs.readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a folder' : e.message;
    throw new UsageError(`${what} ${file}: ${why}`);
  }
}

/** Everything on a stream (standard input), as UTF-8 text. */
export async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The custom resources of a YAML file (one or more documents; a `kind: List` such as
 * `kubectl get <kind> -o yaml` prints is expanded to its items); a usage error when it holds none.
 * `file` is "-" for standard input, whose text is then `stdinText`.
 */
export function readCustomResources(file: string, cwd: string, stdinText?: string): KubeObject[] {
  const fromStdin = file === '-';
  const where = fromStdin ? '--cr - (standard input)' : `--cr ${file}`;
  const text = fromStdin ? (stdinText ?? '') : readText(file, '--cr', cwd);
  if (fromStdin && text.trim() === '') {
    throw new UsageError(
      `${where}: standard input is empty; pipe a CR in (e.g. kubectl get <kind> <name> -o yaml | lostromos render ... --cr -) or give a file`,
    );
  }
  const docs = YAML.parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [];
  const crs: KubeObject[] = [];
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
    crs.push(v as KubeObject);
  };
  list.forEach((doc, i) => {
    const err = doc.errors[0];
    if (err) throw new UsageError(`${where}: not valid YAML: ${err.message.split('\n')[0]}`);
    const v: unknown = doc.toJS();
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
  let v: unknown;
  try {
    v = YAML.parse(text);
  } catch (err) {
    throw new UsageError(`--values ${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
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
