import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { groupOf } from '@lostromos/model';

/** A Kubernetes object as plain JSON (only what dev needs to look at). */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** What a CRD says about the custom resource it defines. */
export interface CrdInfo {
  group: string;
  /** The storage version (else the first served one). */
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

/**
 * One example folder under templates/: its templates (the folder's own files), the CRD(s) and sample CRs
 * found in it or its sub-folders (any YAML that parses and is not a Handlebars template).
 */
export interface ExampleSet {
  name: string;
  templatesDir: string;
  crds: Manifest[];
  samples: Manifest[];
  /** The CRD the templates are for: the first CRD of the folder. */
  crd: CrdInfo;
}

const YAML_FILE = /\.ya?ml$/;

/** Pure: the resource a CRD object defines; throws a message naming the file when a field is missing. */
export function crdInfo(crd: Manifest, where: string): CrdInfo {
  const spec = (crd.spec ?? {}) as {
    group?: string;
    scope?: string;
    names?: { plural?: string; kind?: string };
    versions?: { name?: string; served?: boolean; storage?: boolean }[];
  };
  const versions = spec.versions ?? [];
  const version = (versions.find((v) => v.storage) ?? versions.find((v) => v.served))?.name;
  if (!spec.group || !spec.names?.plural || !spec.names.kind || !version) {
    throw new Error(
      `${where}: CustomResourceDefinition ${crd.metadata.name} lacks spec.group, spec.names.plural/kind or a served version`,
    );
  }
  return {
    group: spec.group,
    version,
    plural: spec.names.plural,
    kind: spec.names.kind,
    namespaced: spec.scope !== 'Cluster',
  };
}

/** Pure: parse a multi-document YAML file into objects; undefined when it is a template or not YAML. */
export function parseManifests(text: string): Manifest[] | undefined {
  if (text.includes('{{')) return undefined;
  let docs: unknown[];
  try {
    docs = YAML.parseAllDocuments(text).map((d) => {
      if (d.errors.length > 0) throw new Error('not YAML');
      return d.toJS() as unknown;
    });
  } catch {
    return undefined;
  }
  return docs.filter(
    (d): d is Manifest =>
      typeof d === 'object' &&
      d !== null &&
      typeof (d as Manifest).apiVersion === 'string' &&
      typeof (d as Manifest).kind === 'string' &&
      typeof (d as Manifest).metadata?.name === 'string',
  );
}

async function yamlFiles(dir: string, depth: number): Promise<string[]> {
  const out: string[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory() && depth > 0) out.push(...(await yamlFiles(p, depth - 1)));
    else if (e.isFile() && YAML_FILE.test(e.name)) out.push(p);
  }
  return out;
}

/**
 * Every sub-folder of `root` that holds a CRD is an example set. Folders without a CRD are skipped
 * (they are partial libraries or charts); a CRD file that does not parse is an error naming the file.
 */
export async function findExampleSets(root: string): Promise<ExampleSet[]> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(root, { withFileTypes: true });
  } catch (err) {
    throw new Error(`cannot read the example folder ${root}: ${(err as Error).message}`, { cause: err });
  }
  const sets: ExampleSet[] = [];
  for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = path.join(root, e.name);
    const crds: { obj: Manifest; file: string }[] = [];
    const others: Manifest[] = [];
    for (const file of await yamlFiles(dir, 2)) {
      const objs = parseManifests(await fs.readFile(file, 'utf8'));
      if (!objs) continue;
      for (const obj of objs) {
        if (obj.kind === 'CustomResourceDefinition') crds.push({ obj, file });
        else others.push(obj);
      }
    }
    const first = crds[0];
    if (!first) continue;
    const crd = crdInfo(first.obj, path.relative(root, first.file));
    const kinds = new Set(crds.map((c) => crdInfo(c.obj, c.file)).map((c) => `${c.group}/${c.kind}`));
    const samples = others.filter((o) => kinds.has(`${groupOf(o.apiVersion)}/${o.kind}`));
    sets.push({ name: e.name, templatesDir: dir, crds: crds.map((c) => c.obj), samples, crd });
  }
  return sets;
}

/**
 * The CRDs in the sub-folders of a template folder (e.g. `examples/crd.yaml`): what its templates are for.
 * The folder's own files are templates (a CRD there would be rendered, not described), so they are skipped;
 * so is anything unreadable: this only ever adds a check.
 */
export async function findTemplateCrds(dir: string): Promise<{ info: CrdInfo; file: string }[]> {
  let files: string[];
  try {
    files = (await yamlFiles(dir, 2)).filter((f) => path.dirname(f) !== dir);
  } catch {
    return [];
  }
  const out: { info: CrdInfo; file: string }[] = [];
  for (const file of files) {
    let objs: Manifest[] | undefined;
    try {
      objs = parseManifests(await fs.readFile(file, 'utf8'));
    } catch {
      continue;
    }
    for (const obj of objs ?? []) {
      if (obj.kind !== 'CustomResourceDefinition') continue;
      try {
        out.push({ info: crdInfo(obj, file), file });
      } catch {
        // an incomplete CRD says nothing about the templates
      }
    }
  }
  return out;
}
