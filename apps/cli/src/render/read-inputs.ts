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

/** The custom resources of a YAML file (one or more documents); a usage error when it holds none. */
export function readCustomResources(file: string, cwd: string): KubeObject[] {
  const text = readText(file, '--cr', cwd);
  const docs = YAML.parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [];
  const crs: KubeObject[] = [];
  list.forEach((doc, i) => {
    const err = doc.errors[0];
    if (err) throw new UsageError(`--cr ${file}: not valid YAML: ${err.message.split('\n')[0]}`);
    const v: unknown = doc.toJS();
    if (v === null || v === undefined) return;
    const o = v as Partial<KubeObject>;
    if (
      typeof v !== 'object' ||
      Array.isArray(v) ||
      typeof o.apiVersion !== 'string' ||
      typeof o.kind !== 'string' ||
      typeof o.metadata?.name !== 'string'
    ) {
      throw new UsageError(
        `--cr ${file}: document ${i + 1} is not a custom resource (needs apiVersion, kind and metadata.name)`,
      );
    }
    crs.push(v as KubeObject);
  });
  if (crs.length === 0) throw new UsageError(`--cr ${file}: no custom resource in the file`);
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
export function toMultiDocYaml(objects: readonly unknown[]): string {
  return objects
    .map((o) => `---\n${YAML.stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`)
    .join('');
}
