import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crdInfo, findExampleSets, parseManifests, type Manifest } from './example-sets.js';

const REPO_TEMPLATES = path.resolve(import.meta.dirname, '../../../../templates');

describe('findExampleSets', () => {
  it('finds every example set of the repository with its CRD, templates folder and sample CRs', async () => {
    const sets = await findExampleSets(REPO_TEMPLATES);
    const characters = sets.find((s) => s.name === 'characters');
    expect(characters?.crd).toEqual({
      group: 'stable.nicolerenee.io',
      version: 'v1',
      plural: 'characters',
      kind: 'Character',
      namespaced: true,
    });
    expect(characters?.templatesDir).toBe(path.join(REPO_TEMPLATES, 'characters'));
    expect(characters?.samples.map((s) => s.metadata.name).sort()).toEqual(['ahab', 'ishmael', 'ripley']);
    expect(sets.find((s) => s.name === 'website')?.crd.kind).toBe('Website');
  });

  it('gives every example CRD (what `lostromos dev` installs) Ready, Reason, Revision and Age printer columns', async () => {
    const sets = await findExampleSets(REPO_TEMPLATES);
    const crds = sets.flatMap((s) => s.crds);
    expect(crds.map((c) => c.metadata.name).sort()).toEqual([
      'characters.stable.nicolerenee.io',
      'websites.web.example.io',
    ]);
    for (const crd of crds) {
      const versions = (crd.spec as { versions: { name: string; additionalPrinterColumns?: unknown }[] })
        .versions;
      for (const v of versions) {
        expect(v.additionalPrinterColumns, `${crd.metadata.name} ${v.name}`).toEqual([
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
          { name: 'Revision', type: 'string', jsonPath: '.status.templateRevision' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ]);
      }
    }
  });

  it('skips folders without a CRD and never takes a Handlebars template for a sample', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'examples-'));
    try {
      fs.mkdirSync(path.join(root, 'partials'));
      fs.writeFileSync(path.join(root, 'partials', '_x.hbs'), 'a: b\n');
      fs.mkdirSync(path.join(root, 'gadgets', 'examples'), { recursive: true });
      fs.writeFileSync(
        path.join(root, 'gadgets', 'configmap.yaml'),
        'apiVersion: toys.example.org/v1\nkind: Gadget\nmetadata:\n  name: {{name}}\n',
      );
      fs.writeFileSync(
        path.join(root, 'gadgets', 'examples', 'crd.yaml'),
        [
          'apiVersion: apiextensions.k8s.io/v1',
          'kind: CustomResourceDefinition',
          'metadata: { name: gadgets.toys.example.org }',
          'spec:',
          '  group: toys.example.org',
          '  scope: Cluster',
          '  names: { kind: Gadget, plural: gadgets }',
          '  versions: [{ name: v1alpha1, served: true, storage: false }, { name: v1, served: true, storage: true }]',
          '---',
          'apiVersion: toys.example.org/v1',
          'kind: Gadget',
          'metadata: { name: g1 }',
          '---',
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata: { name: unrelated }',
        ].join('\n'),
      );
      const sets = await findExampleSets(root);
      expect(sets.map((s) => s.name)).toEqual(['gadgets']);
      expect(sets[0]!.crd).toMatchObject({ version: 'v1', namespaced: false });
      expect(sets[0]!.samples.map((s) => s.metadata.name)).toEqual(['g1']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('names the folder when it cannot be read', async () => {
    await expect(findExampleSets('/nonexistent/examples')).rejects.toThrow('/nonexistent/examples');
  });
});

describe('crdInfo and parseManifests', () => {
  it('says which CRD and file lack the fields it needs', () => {
    const crd: Manifest = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'x.example.io' },
      spec: { group: 'example.io', versions: [] },
    };
    expect(() => crdInfo(crd, 'x/examples/crd.yaml')).toThrow(/x\/examples\/crd\.yaml: .*x\.example\.io/);
  });

  it('returns undefined for templates and invalid YAML, and skips documents that are not objects', () => {
    expect(parseManifests('a: {{name}}')).toBeUndefined();
    expect(parseManifests('a: [unclosed')).toBeUndefined();
    expect(parseManifests('---\njust text\n---\napiVersion: v1\nkind: X\nmetadata: { name: n }\n')).toEqual([
      { apiVersion: 'v1', kind: 'X', metadata: { name: 'n' } },
    ]);
  });
});
