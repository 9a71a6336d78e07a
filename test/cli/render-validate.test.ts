import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { docs, runLostromos } from './run-cli-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHARACTERS = path.join(ROOT, 'templates/characters');
const WEBSITE = path.join(ROOT, 'templates/website');
// Processes see none of the test runner's LOSTROMOS_* variables unless a test sets them.
const env = Object.fromEntries(
  Object.keys(process.env)
    .filter((k) => k.startsWith('LOSTROMOS_'))
    .map((k) => [k, '']),
);

function tmp(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-cli-'));
  for (const [n, t] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, n)), { recursive: true });
    fs.writeFileSync(path.join(dir, n), t);
  }
  return dir;
}

const RIPLEY =
  'apiVersion: stable.nicolerenee.io/v1\nkind: Character\nmetadata:\n  name: ripley\nspec:\n  Name: Ellen Ripley\n  From: Alien\n  By: "Dan O\'Bannon"\n';

describe('lostromos version and help', () => {
  it('version prints the version and exits 0', async () => {
    const r = await runLostromos(['version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^lostromos \d+\.\d+\.\d+ \(node v\d+/);
    expect(r.stderr).toBe('');
  });

  it('--help lists the commands; every command has --help', async () => {
    const top = await runLostromos(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['version', 'validate', 'render']) expect(top.stdout).toContain(`  ${c}`);
    for (const c of ['version', 'validate', 'render']) {
      const r = await runLostromos([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toMatch(/^Usage/);
    }
  });

  it('an unknown command exits 2 with one line and a pointer, not the whole help', async () => {
    const r = await runLostromos(['rendr']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^lostromos: unknown command "rendr" \(commands: version, validate, render, [a-z, ]+\)\n {2}run `lostromos --help` for what each does\n$/,
    );
  });

  it.each([
    [['render', '--templates', CHARACTERS], 'render', '--cr FILE is required'],
    [['render', '--tempaltes', CHARACTERS], 'render', 'unknown flag --tempaltes (did you mean --templates?)'],
    [['validate'], 'validate', '--config FILE is required'],
    [['start', '--role', 'all'], 'start', '--config FILE is required'],
    [['dev', '--workers', 'none'], 'dev', '--workers: expected a number'],
    [['dev', '--dashboard-port', '0'], 'dev', '--dashboard-port: expected a positive whole number'],
    [['sim', 'extra'], 'sim', 'unexpected argument'],
  ])('usage error %j: the one useful line, then a pointer to --help', async (args, cmd, message) => {
    const r = await runLostromos(args, { env });
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`lostromos ${cmd}: ${message}`);
    expect(lines[1]).toBe(`  run \`lostromos ${cmd} --help\` for its flags`);
    expect(r.stderr).not.toContain('Usage:');
    expect(r.stdout).toBe('');
  });
});

describe('the config shipped for the examples (templates/lostromos.yaml)', () => {
  const SHIPPED = path.join(ROOT, 'templates/lostromos.yaml');

  it('validates, as the README says', async () => {
    const r = await runLostromos(['validate', '--config', 'templates/lostromos.yaml'], { env, cwd: ROOT });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid, 2 resources/);
    expect(r.stdout).toContain('characters: stable.nicolerenee.io/v1 characters ← 2 templates');
    expect(r.stdout).toContain('website: web.example.io/v1alpha1 websites ← 4 templates');
  });

  it('renders every sample CR, picking the resource by the CR when --resource is left out', async () => {
    for (const [dir, resource] of [
      [CHARACTERS, 'characters'],
      [WEBSITE, 'website'],
    ] as const) {
      for (const f of fs.readdirSync(path.join(dir, 'examples')).filter((n) => n !== 'crd.yaml')) {
        const r = await runLostromos(['render', '--config', SHIPPED, '--cr', path.join(dir, 'examples', f)], {
          env,
        });
        expect(r.stderr, f).toBe('');
        expect(r.code, f).toBe(0);
        const out = docs(r.stdout);
        expect(out.length, f).toBeGreaterThan(0);
        for (const o of out) {
          expect((o.metadata as { labels: Record<string, string> }).labels['lostromos.io/resource']).toBe(
            resource,
          );
          expect(JSON.stringify(o), f).not.toContain('null');
        }
      }
    }
  });
});

describe('lostromos render --templates', () => {
  it('prints the objects as they would be applied', async () => {
    const dir = tmp({ 'cr.yaml': RIPLEY, 'values.yaml': 'image: nginx:1.27\n' });
    const r = await runLostromos(
      [
        'render',
        '--templates',
        CHARACTERS,
        '--cr',
        path.join(dir, 'cr.yaml'),
        '--values',
        path.join(dir, 'values.yaml'),
      ],
      { env },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = docs(r.stdout);
    expect(out.map((o) => `${String(o.kind)}/${String((o.metadata as { name: string }).name)}`)).toEqual([
      'ConfigMap/ripley-configmap',
      'Deployment/ripley-nginx',
    ]);
    const cm = out[0] as { metadata: Record<string, unknown>; data: Record<string, string> };
    expect(cm.metadata.namespace).toBe('default');
    expect(cm.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'lostromos',
      'lostromos.io/resource': 'characters',
    });
    expect(cm.metadata.ownerReferences).toBeUndefined();
    expect(cm.data).toEqual({ name: 'Ellen Ripley', by: "Dan O'Bannon", from: 'Alien' });
    expect(JSON.stringify(out[1])).toContain('nginx:1.27');
  });

  it('adds the owner reference and owner-uid label when the CR has a uid, and keeps its namespace', async () => {
    const dir = tmp({
      'cr.yaml': RIPLEY.replace('  name: ripley\n', '  name: ripley\n  namespace: crew\n  uid: 1234-abcd\n'),
    });
    const r = await runLostromos(
      ['render', '--templates', CHARACTERS, '--cr', path.join(dir, 'cr.yaml'), '--resource', 'chars'],
      { env },
    );
    expect(r.code).toBe(0);
    const meta = docs(r.stdout)[0]!.metadata as Record<string, unknown>;
    expect(meta.namespace).toBe('crew');
    expect(meta.labels).toMatchObject({
      'lostromos.io/owner-uid': '1234-abcd',
      'lostromos.io/resource': 'chars',
    });
    expect(meta.ownerReferences).toEqual([
      expect.objectContaining({
        apiVersion: 'stable.nicolerenee.io/v1',
        kind: 'Character',
        name: 'ripley',
        uid: '1234-abcd',
        controller: true,
      }),
    ]);
  });

  it('renders every CR of a multi-document file, and --namespace for CRs without one', async () => {
    const r = await runLostromos(
      [
        'render',
        '--templates',
        CHARACTERS,
        '--cr',
        path.join(CHARACTERS, 'examples/crew.yaml'),
        '--namespace',
        'ship',
      ],
      { env },
    );
    expect(r.code).toBe(0);
    const out = docs(r.stdout);
    expect(out).toHaveLength(4);
    expect(out.every((o) => (o.metadata as { namespace: string }).namespace === 'ship')).toBe(true);
  });

  it('keeps a hostile value inside one string', async () => {
    const dir = tmp({
      'cr.yaml': RIPLEY.replace(
        'By: "Dan O\'Bannon"',
        'By: "Disney\\n  injected: \\"yes\\"\\n---\\napiVersion: v1\\nkind: Secret\\nmetadata:\\n  name: pwned"',
      ),
    });
    const r = await runLostromos(['render', '--templates', CHARACTERS, '--cr', path.join(dir, 'cr.yaml')], {
      env,
    });
    expect(r.code).toBe(0);
    const out = docs(r.stdout);
    expect(out.map((o) => o.kind)).toEqual(['ConfigMap', 'Deployment']);
    const data = out[0]!.data as Record<string, string>;
    expect(Object.keys(data)).toEqual(['name', 'by', 'from']);
    expect(data.by!.startsWith('Disney\n  injected')).toBe(true);
  });

  it('renders the website example with its partial, loops and conditionals', async () => {
    const r = await runLostromos(
      ['render', '--templates', WEBSITE, '--cr', path.join(WEBSITE, 'examples/blog.yaml')],
      { env },
    );
    expect(r.code).toBe(0);
    const kinds = docs(r.stdout).map((o) => o.kind);
    expect(kinds).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'Ingress', 'Service']);
    const landing = await runLostromos(
      ['render', '--templates', WEBSITE, '--cr', path.join(WEBSITE, 'examples/landing.yaml')],
      { env },
    );
    expect(docs(landing.stdout).map((o) => o.kind)).toEqual(['Deployment', 'Service']);
  });

  it('a template error exits 1 with file:line on the first line of stderr', async () => {
    const dir = tmp({
      'broken/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{name}}\n  labels:\n    version: 1.0\n',
      'cr.yaml': RIPLEY,
    });
    const r = await runLostromos(
      ['render', '--templates', path.join(dir, 'broken'), '--cr', path.join(dir, 'cr.yaml')],
      { env },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const [first, second] = r.stderr.split('\n');
    expect(first).toBe(
      'lostromos render: broken/cm.yaml:6: metadata.labels.version must be a string, got 1 (quote it: "1")',
    );
    expect(second).toBe('  (error code LZ_RENDER_INVALID_OBJECT; see docs/templates.md)');
  });

  it.each([
    [['render', '--templates', CHARACTERS], '--cr FILE is required'],
    [
      ['render', '--templates', CHARACTERS, '--cr', '/nonexistent.yaml'],
      '--cr /nonexistent.yaml: no such file',
    ],
    [
      ['render', '--templates', CHARACTERS, '--chart', CHARACTERS, '--cr', 'x'],
      'give exactly one of --config (with --resource), --templates DIR or --chart DIR|TGZ',
    ],
    [
      ['render', '--tempaltes', CHARACTERS, '--cr', 'x'],
      'unknown flag --tempaltes (did you mean --templates?)',
    ],
  ])('%j exits 2: %s', async (args, message) => {
    const r = await runLostromos(args, { env });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toContain(message);
  });

  it.each([
    [
      'a CR of another kind than the CRD in the template folder',
      path.join(WEBSITE, 'examples/blog.yaml'),
      [
        `lostromos render: --cr ${path.join(WEBSITE, 'examples/blog.yaml')}: document 1 is a Website (web.example.io/v1alpha1), but the templates in templates/characters are for Character (stable.nicolerenee.io/v1), per templates/characters/examples/crd.yaml: give a Character, or the templates of Website`,
      ],
    ],
    [
      'the CRD itself',
      path.join(CHARACTERS, 'examples/crd.yaml'),
      [
        `lostromos render: --cr ${path.join(CHARACTERS, 'examples/crd.yaml')}: document 1 is the CustomResourceDefinition characters.stable.nicolerenee.io, not a custom resource: give a Character of it (apiVersion: stable.nicolerenee.io/v1, kind: Character)`,
      ],
    ],
  ])('%s exits 2 saying what, where and how to fix it', async (_what, cr, first) => {
    const r = await runLostromos(['render', '--templates', 'templates/characters', '--cr', cr], {
      env,
      cwd: ROOT,
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').slice(0, 1)).toEqual(first);
  });

  it('a built-in object as the CR exits 2', async () => {
    const r = await runLostromos(['render', '--templates', CHARACTERS, '--cr', '-'], {
      env,
      stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\n' + RIPLEY,
    });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      'lostromos render: --cr - (standard input): document 1 is a ConfigMap (v1), a built-in Kubernetes kind, not a custom resource: give a CR of the CRD the templates are for',
    );
  });

  it('an invalid namespace (--namespace or the CR’s) exits 2', async () => {
    const bad = await runLostromos(
      [
        'render',
        '--templates',
        CHARACTERS,
        '--cr',
        path.join(CHARACTERS, 'examples/ripley.yaml'),
        '--namespace',
        'Bad NS',
      ],
      { env },
    );
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.split('\n')[0]).toBe(
      'lostromos render: --namespace: "Bad NS" is not a valid namespace name: use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. team-a)',
    );
    const inCr = await runLostromos(['render', '--templates', CHARACTERS, '--cr', '-'], {
      env,
      stdin: RIPLEY.replace('  name: ripley\n', '  name: ripley\n  namespace: Crew_1\n'),
    });
    expect(inCr.code).toBe(2);
    expect(inCr.stderr.split('\n')[0]).toContain(
      '--cr - (standard input): document 1: metadata.namespace "Crew_1" is not a valid namespace name',
    );
  });

  it('a CR file that is not a custom resource exits 2', async () => {
    const dir = tmp({ 'cr.yaml': 'just: a map\n' });
    const r = await runLostromos(['render', '--templates', CHARACTERS, '--cr', path.join(dir, 'cr.yaml')], {
      env,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('document 1 is not a custom resource');
  });
});

describe('lostromos render --config and lostromos validate', () => {
  const config = (body: string): string =>
    path.join(
      tmp({ 'lostromos.yaml': body, 'cr.yaml': RIPLEY, 'broken/x.yaml': '{{#if}}\n' }),
      'lostromos.yaml',
    );
  const GOOD = `resources:
  - name: characters
    group: stable.nicolerenee.io
    version: v1
    plural: characters
    templates: ${CHARACTERS}
    values: { image: "httpd:2" }
  - name: websites
    group: web.example.io
    version: v1alpha1
    plural: websites
    templates: ${WEBSITE}
`;

  it('render --config --resource uses the resource’s templates, values and name', async () => {
    const file = config(GOOD);
    const r = await runLostromos(
      [
        'render',
        '--config',
        file,
        '--resource',
        'characters',
        '--cr',
        path.join(path.dirname(file), 'cr.yaml'),
      ],
      { env },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('image: httpd:2');
    expect(r.stdout).toContain('lostromos.io/resource: characters');
  });

  it('render --config --cr - reads the CR from standard input, as piped from kubectl get -o yaml', async () => {
    const file = config(GOOD);
    const args = ['render', '--config', file, '--resource', 'characters', '--cr', '-'];
    const fromFile = await runLostromos(
      [
        'render',
        '--config',
        file,
        '--resource',
        'characters',
        '--cr',
        path.join(path.dirname(file), 'cr.yaml'),
      ],
      { env },
    );
    const piped = await runLostromos(args, { env, stdin: RIPLEY });
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
    expect(piped.stdout).toContain('image: httpd:2');
    expect(piped.stdout).toBe(fromFile.stdout);
    expect(
      docs(piped.stdout).map((o) => `${String(o.kind)}/${String((o.metadata as { name: string }).name)}`),
    ).toEqual(['ConfigMap/ripley-configmap', 'Deployment/ripley-nginx']);

    // kubectl get <kind> -o yaml prints a List: each item is rendered.
    const list = `apiVersion: v1\nkind: List\nitems:\n${[
      RIPLEY,
      RIPLEY.replace('name: ripley', 'name: dallas'),
    ]
      .map((cr) => `- ${cr.trimEnd().replace(/\n/g, '\n  ')}\n`)
      .join('')}`;
    const many = await runLostromos(args, { env, stdin: list });
    expect(many.code).toBe(0);
    expect(docs(many.stdout).map((o) => (o.metadata as { name: string }).name)).toEqual([
      'ripley-configmap',
      'ripley-nginx',
      'dallas-configmap',
      'dallas-nginx',
    ]);
  });

  it('render --cr - with empty standard input, or no CR in it, exits 2 naming --cr -', async () => {
    const args = ['render', '--config', config(GOOD), '--resource', 'characters', '--cr', '-'];
    for (const stdin of [undefined, '', '  \n']) {
      const r = await runLostromos(args, { env, ...(stdin === undefined ? {} : { stdin }) });
      expect(r.code, JSON.stringify(stdin)).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toBe(
        'lostromos render: --cr - (standard input): standard input is empty; pipe a CR in (e.g. kubectl get <kind> <name> -o yaml | lostromos render ... --cr -) or give a file',
      );
    }
    const notCr = await runLostromos(args, { env, stdin: 'just: a map\n' });
    expect(notCr.code).toBe(2);
    expect(notCr.stderr.split('\n')[0]).toBe(
      'lostromos render: --cr - (standard input): document 1 is not a custom resource (needs apiVersion, kind and metadata.name)',
    );
  });

  it('render --config refuses a CR of another resource (exit 2), naming the resource it belongs to', async () => {
    const file = config(GOOD);
    const cr = path.join(path.dirname(file), 'cr.yaml');
    const r = await runLostromos(['render', '--config', file, '--resource', 'websites', '--cr', cr], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(
      `lostromos render: --cr ${cr}: document 1 is a Character (stable.nicolerenee.io/v1), but resource websites renders web.example.io/v1alpha1 Website: use --resource characters for it`,
    );
    // Another kind of the right group: the kind comes from the CRD next to the templates.
    const other = await runLostromos(['render', '--config', file, '--resource', 'characters', '--cr', '-'], {
      env,
      stdin: RIPLEY.replace('kind: Character', 'kind: Spaceship'),
    });
    expect(other.code).toBe(2);
    expect(other.stderr.split('\n')[0]).toBe(
      'lostromos render: --cr - (standard input): document 1 is a Spaceship (stable.nicolerenee.io/v1), but resource characters renders stable.nicolerenee.io/v1 Character: give a Character',
    );
  });

  it('render --config only notes a CR of another version of the resource’s kind', async () => {
    const r = await runLostromos(
      ['render', '--config', config(GOOD), '--resource', 'characters', '--cr', '-'],
      { env, stdin: RIPLEY.replace('stable.nicolerenee.io/v1', 'stable.nicolerenee.io/v1beta1') },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'lostromos render: note: Character ripley is stable.nicolerenee.io/v1beta1, but resource characters reads stable.nicolerenee.io/v1: the operator renders the CR as the API server serves it at v1\n',
    );
  });

  it('render --config needs --resource when there are several and the CR fits none, and a known one', async () => {
    const file = config(GOOD);
    const cr = path.join(path.dirname(file), 'cr.yaml');
    const inferred = await runLostromos(['render', '--config', file, '--cr', cr], { env });
    expect(inferred.code).toBe(0);
    expect(inferred.stdout).toContain('lostromos.io/resource: characters');
    const a = await runLostromos(['render', '--config', file, '--cr', '-'], {
      env,
      stdin: RIPLEY.replace('stable.nicolerenee.io', 'other.example.io'),
    });
    expect(a.code).toBe(2);
    expect(a.stderr.split('\n')[0]).toContain(
      '--resource NAME is required: the config has 2 resources (characters, websites)',
    );
    const b = await runLostromos(['render', '--config', file, '--resource', 'nope', '--cr', cr], { env });
    expect(b.code).toBe(2);
    expect(b.stderr.split('\n')[0]).toContain('--resource nope: no such resource');
  });

  it('render --config fails like the reconcile would when the allow policy refuses an object', async () => {
    const dir = tmp({
      'ns/ns.yaml':
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-{{name}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{name}}\n  namespace: elsewhere\n',
      'cr.yaml': RIPLEY,
    });
    const cfg = (allow: string): string => {
      const f = path.join(dir, `c-${allow.length}.yaml`);
      fs.writeFileSync(
        f,
        `resources:\n  - { name: teams, group: stable.nicolerenee.io, version: v1, plural: characters, templates: ./ns, allow: ${allow} }\n`,
      );
      return f;
    };
    const refused = await runLostromos(['render', '--config', cfg('{}'), '--cr', path.join(dir, 'cr.yaml')], {
      env,
    });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    const lines = refused.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'lostromos render: the operator would refuse to apply 2 object(s) (allow policy of resource teams):',
    );
    expect(lines[1]).toContain('allow.clusterScoped: true');
    expect(lines[2]).toContain('elsewhere');
    const allowed = await runLostromos(
      [
        'render',
        '--config',
        cfg('{ clusterScoped: true, namespaces: [elsewhere] }'),
        '--cr',
        path.join(dir, 'cr.yaml'),
      ],
      { env },
    );
    expect(allowed.stderr).toBe('');
    expect(allowed.code).toBe(0);
    expect(docs(allowed.stdout).map((o) => o.kind)).toEqual(['Namespace', 'ConfigMap']);
  });

  it('validate accepts a good config and summarises it', async () => {
    const r = await runLostromos(['validate', '--config', config(GOOD)], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid, 2 resources/);
    expect(r.stdout).toContain('websites: web.example.io/v1alpha1 websites ← 4 templates');
  });

  it('validate exits 2 naming the missing field and the line', async () => {
    const r = await runLostromos(
      [
        'validate',
        '--config',
        config(
          'resources:\n  - name: characters\n    version: v1\n    plural: characters\n    templates: ./nowhere\n',
        ),
      ],
      { env },
    );
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toBe(
      'lostromos validate: config: resources[0].group: required (the API group of the CRD, e.g. stable.example.io)',
    );
    expect(r.stderr).toMatch(/at .*lostromos\.yaml:2/);
  });

  it('validate exits 2 on an unknown key', async () => {
    const r = await runLostromos(
      [
        'validate',
        '--config',
        config(GOOD.replace('plural: websites', 'plural: websites\n    resyncSecnds: 5')),
      ],
      { env },
    );
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      'lostromos validate: config: resources[1].resyncSecnds: unknown field (did you mean resyncSeconds?)',
    );
  });

  it('validate exits 1 when a template set does not compile, naming resource, file and line', async () => {
    const r = await runLostromos(['validate', '--config', config(GOOD.replace(WEBSITE, './broken'))], {
      env,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(
      // The wording of the template error is libs/render's (test/render); here: resource, file and line first.
      /^lostromos validate: resource websites: broken\/x\.yaml:1: \S/,
    );
    expect(r.stderr).toContain('1 of 2 resources failed');
  });

  it('env overrides reach validate, and a bad one exits 2 naming the variable', async () => {
    const r = await runLostromos(['validate', '--config', config(GOOD)], {
      env: { ...env, LOSTROMOS_LOG_LEVEL: 'loud' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('config: log.level: must be one of');
    expect(r.stderr).toContain('at env LOSTROMOS_LOG_LEVEL');
  });

  it('validate without --config is a usage error', async () => {
    const r = await runLostromos(['validate'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('lostromos validate: --config FILE is required');
  });
});
