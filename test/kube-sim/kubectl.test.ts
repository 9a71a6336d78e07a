/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- suites read untyped JSON API responses */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSubstrate, type Substrate } from '../support/substrate.js';
import { SUBSTRATES } from './sim-client.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ships.fleet.example.org
spec:
  group: fleet.example.org
  scope: Namespaced
  names: { kind: Ship, plural: ships, singular: ship, shortNames: [sh] }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      additionalPrinterColumns:
        - { name: Class, type: string, jsonPath: .spec.class }
        - { name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status' }
      schema:
        openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
`;
const ship = (name: string, cls: string, crew?: number) =>
  `apiVersion: fleet.example.org/v1\nkind: Ship\nmetadata:\n  name: ${name}\nspec:\n  class: ${cls}\n${crew === undefined ? '' : `  crew: ${crew}\n`}`;
const deployment = (image: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: { app: web }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: ${image}
          ports: [{ containerPort: 80 }]
`;

describe.each(SUBSTRATES)('the real kubectl (%s)', (kind) => {
  let api: Substrate;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    api = await startSubstrate({ kind, sim: { workloads: { delayMs: 20 } } });
    dir = await mkdtemp(path.join(os.tmpdir(), 'kube-sim-kubectl-'));
    await api.writeKubeconfig(path.join(dir, 'kubeconfig'));
    env = { ...process.env, KUBECONFIG: path.join(dir, 'kubeconfig'), HOME: dir };
  });
  afterAll(async () => {
    await api?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function kubectl(args: string[], stdin?: string): Promise<Run> {
    return new Promise((resolve) => {
      const child = execFile('kubectl', args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as any).code ?? 1) : 0, stdout, stderr });
      });
      if (stdin !== undefined) child.stdin?.end(stdin);
    });
  }

  async function ok(args: string[], stdin?: string): Promise<string> {
    const r = await kubectl(args, stdin);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  it('lists api-resources through discovery', async () => {
    const out = await ok(['api-resources']);
    expect(out).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(out).toMatch(/^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m);
    expect(out).toMatch(
      /^customresourcedefinitions\s+crd,crds\s+apiextensions\.k8s\.io\/v1\s+false\s+CustomResourceDefinition$/m,
    );
  });

  it('creates a CRD, then applies, lists and prints its custom resources with printer columns', async () => {
    await ok(['apply', '-f', '-'], CRD);
    await ok(['wait', '--for=condition=Established', 'crd/ships.fleet.example.org', '--timeout=10s']);
    expect(await ok(['apply', '-f', '-'], ship('nostromo', 'tug'))).toContain(
      'ship.fleet.example.org/nostromo created',
    );
    await ok(['apply', '-f', '-'], ship('sulaco', 'cruiser'));
    const table = await ok(['get', 'ships']);
    expect(table).toMatch(/^NAME\s+CLASS\s+READY$/m);
    // A column whose JSONPath finds nothing: the apiserver sends a null cell, which kubectl prints empty; the
    // simulator sends the string "<none>" (sim-divergent).
    expect(table).toMatch(kind === 'real' ? /^nostromo\s+tug\s*$/m : /^nostromo\s+tug\s+<none>$/m);
    const list = JSON.parse(await ok(['get', 'sh', '-o', 'json']));
    expect(list.items.map((i: any) => i.metadata.name)).toEqual(['nostromo', 'sulaco']);
  });

  it("rejects unknown fields of a custom resource with a structural schema under kubectl's strict validation", async () => {
    const crd = CRD.replace('ships.fleet', 'boats.fleet')
      .replace(
        'kind: Ship, plural: ships, singular: ship, shortNames: [sh]',
        'kind: Boat, plural: boats, singular: boat',
      )
      .replace(
        'openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }',
        'openAPIV3Schema: { type: object, properties: { spec: { type: object, properties: { class: { type: string } } } } }',
      );
    await ok(['apply', '-f', '-'], crd);
    await ok(['wait', '--for=condition=Established', 'crd/boats.fleet.example.org', '--timeout=10s']);
    const boat = (extra: string) =>
      `apiVersion: fleet.example.org/v1\nkind: Boat\nmetadata:\n  name: b\nspec:\n  class: dinghy\n${extra}`;
    const strict = await kubectl(['apply', '-f', '-'], boat('  oars: 2\n'));
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('strict decoding error: unknown field "spec.oars"');
    const warn = await kubectl(['apply', '--validate=warn', '-f', '-'], boat('  oars: 2\n'));
    expect(warn.code).toBe(0);
    expect(warn.stderr).toContain('unknown field "spec.oars"');
    expect(JSON.parse(await ok(['get', 'boat', 'b', '-o', 'json'])).spec).toEqual({ class: 'dinghy' });
  });

  it('client-side apply updates with the last-applied annotation and removes fields dropped from the manifest', async () => {
    await ok(['apply', '-f', '-'], ship('narcissus', 'shuttle', 2));
    expect(await ok(['apply', '-f', '-'], ship('narcissus', 'shuttle'))).toContain('configured');
    const obj = JSON.parse(await ok(['get', 'ship', 'narcissus', '-o', 'json']));
    expect(obj.spec).toEqual({ class: 'shuttle' });
    expect(obj.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain(
      '"class":"shuttle"',
    );
    expect(obj.metadata.generation).toBe(2);
    // unchanged: no write
    expect(await ok(['apply', '-f', '-'], ship('narcissus', 'shuttle'))).toContain('unchanged');
  });

  it('applies built-ins client-side (strategic merge patch), with and without --validate=false', async () => {
    expect(await ok(['apply', '-f', '-'], deployment('nginx:1', 2))).toContain('deployment.apps/web created');
    expect(await ok(['apply', '--validate=false', '-f', '-'], deployment('nginx:2', 2))).toContain(
      'configured',
    );
    const d = JSON.parse(await ok(['get', 'deploy', 'web', '-o', 'json', '--show-managed-fields']));
    expect(d.spec.template.spec.containers[0].image).toBe('nginx:2');
    expect(d.metadata.managedFields.map((m: any) => m.manager)).toContain('kubectl-client-side-apply');
  });

  it('waits for a simulated Deployment to become Available and scales it', async () => {
    await ok(['wait', '--for=condition=Available', 'deployment/web', '--timeout=10s']);
    await ok(['scale', 'deployment/web', '--replicas=4']);
    await ok(['wait', '--for=jsonpath={.status.readyReplicas}=4', 'deployment/web', '--timeout=10s']);
    expect(await ok(['get', 'deploy', 'web'])).toMatch(/^web\s+4\/4\s+4\s+4\s+/m);
  });

  it('server-side applies with a field manager and reports conflicts', async () => {
    expect(
      await ok(['apply', '--server-side', '--field-manager=fleet', '-f', '-'], ship('ripley', 'tug', 7)),
    ).toContain('serverside-applied');
    const conflict = await kubectl(
      ['apply', '--server-side', '--field-manager=other', '-f', '-'],
      ship('ripley', 'dropship'),
    );
    expect(conflict.code).not.toBe(0);
    // The apiserver names an Apply manager alone; the simulator adds "using <apiVersion>" (sim-divergent).
    expect(conflict.stderr).toContain(
      `Apply failed with 1 conflict: conflict with "fleet"${kind === 'real' ? '' : ' using fleet.example.org/v1'}: .spec.class`,
    );
    await ok(
      ['apply', '--server-side', '--force-conflicts', '--field-manager=other', '-f', '-'],
      ship('ripley', 'dropship'),
    );
    expect(JSON.parse(await ok(['get', 'ship', 'ripley', '-o', 'json'])).spec.class).toBe('dropship');
  });

  it('creates, labels, patches and reads objects as yaml', async () => {
    await ok(['create', 'configmap', 'cfg', '--from-literal=a=b']);
    await ok(['label', 'configmap', 'cfg', 'tier=web']);
    await ok(['patch', 'configmap', 'cfg', '-p', '{"data":{"c":"d"}}']);
    await ok(['patch', 'configmap', 'cfg', '--type', 'json', '-p', '[{"op":"remove","path":"/data/a"}]']);
    const y = await ok(['get', 'configmap', 'cfg', '-o', 'yaml']);
    expect(y).toMatch(/^ {2}c: d$/m);
    expect(y).not.toMatch(/^ {2}a: b$/m);
    expect(y).toMatch(/^ {4}tier: web$/m);
    expect(await ok(['get', 'cm', '-l', 'tier=web', '-o', 'name'])).toBe('configmap/cfg\n');
    const missing = await kubectl(['get', 'configmap', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error from server (NotFound): configmaps "nope" not found');
  });

  it('runs the kubectl create generators that send protobuf (deployment, service, job, cronjob, secret)', async () => {
    await ok(['create', 'deployment', 'gen', '--image=nginx', '--port=80', '--replicas=2']);
    const d = JSON.parse(await ok(['get', 'deploy', 'gen', '-o', 'json']));
    // The apiserver also defaults the container (imagePullPolicy, terminationMessage*, ports[].protocol).
    expect(d.spec.template.spec.containers).toHaveLength(1);
    expect(d.spec.template.spec.containers[0]).toMatchObject({
      name: 'nginx',
      image: 'nginx',
      ports: [{ containerPort: 80 }],
      resources: {},
    });
    expect(d.spec.replicas).toBe(2);
    await ok(['create', 'service', 'clusterip', 'gen', '--tcp=80:8080']);
    expect(JSON.parse(await ok(['get', 'svc', 'gen', '-o', 'json'])).spec.ports).toEqual([
      { name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 },
    ]);
    await ok(['create', 'job', 'gen-job', '--image=busybox', '--', 'echo', 'hi']);
    await ok(['wait', '--for=condition=Complete', 'job/gen-job', '--timeout=10s']);
    await ok(['create', 'cronjob', 'gen-cj', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date']);
    await ok(['create', 'secret', 'generic', 'gen-secret', '--from-literal=k=v']);
    expect(JSON.parse(await ok(['get', 'secret', 'gen-secret', '-o', 'json'])).data).toEqual({ k: 'dg==' });
  });

  it('streams changes to kubectl get -w', async () => {
    const child = spawn('kubectl', ['get', 'configmaps', '-w', '-o', 'name'], { env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const until = async (pred: () => boolean) => {
      for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
    };
    await until(() => out.includes('configmap/cfg'));
    await ok(['create', 'configmap', 'watched', '--from-literal=x=y']);
    await until(() => out.includes('configmap/watched'));
    child.kill();
    expect(out).toContain('configmap/watched');
  });

  it('deletes objects held by finalizers only when the finalizer is removed, and waits for status conditions', async () => {
    await ok(['create', 'configmap', 'held']);
    await ok([
      'patch',
      'configmap',
      'held',
      '--type',
      'merge',
      '-p',
      '{"metadata":{"finalizers":["fleet.example.org/hold"]}}',
    ]);
    await ok(['delete', 'configmap', 'held', '--wait=false']);
    expect(
      JSON.parse(await ok(['get', 'configmap', 'held', '-o', 'json'])).metadata.deletionTimestamp,
    ).toBeTruthy();
    const waiting = kubectl(['delete', 'configmap', 'held', '--timeout=10s']);
    await new Promise((r) => setTimeout(r, 300));
    await ok(['patch', 'configmap', 'held', '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}']);
    expect((await waiting).code).toBe(0);
    expect((await kubectl(['get', 'configmap', 'held'])).code).toBe(1);

    const waitReady = kubectl(['wait', '--for=condition=Ready', 'ship/sulaco', '--timeout=10s']);
    await ok([
      'patch',
      'ship',
      'sulaco',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}',
    ]);
    expect((await waitReady).code).toBe(0);
    expect(await ok(['get', 'ship', 'sulaco'])).toMatch(/^sulaco\s+cruiser\s+True$/m);
  });

  it('deletes a namespace with its contents', async () => {
    await ok(['create', 'namespace', 'tmp-ns']);
    await ok(['-n', 'tmp-ns', 'create', 'configmap', 'inside']);
    await ok(['delete', 'namespace', 'tmp-ns', '--timeout=60s']);
    expect((await kubectl(['get', 'namespace', 'tmp-ns'])).code).toBe(1);
  });

  it('uses the namespace of a kubeconfig written the same way lostromos sim --kubeconfig-out does', async () => {
    await ok(['create', 'namespace', 'kc-ns']);
    await ok(['-n', 'kc-ns', 'create', 'secret', 'generic', 'only-here']);
    const file = path.join(dir, 'other-kubeconfig');
    await writeFile(file, api.kubeconfig({ namespace: 'kc-ns' }));
    const r = await kubectl(['--kubeconfig', file, 'get', 'secrets', '-o', 'name']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('secret/only-here\n');
  });
});
