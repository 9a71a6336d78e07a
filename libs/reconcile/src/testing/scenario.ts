// Shared set-up of the reconcile behaviour specs: one Character CR rendered to a ConfigMap and (optionally) a
// Deployment, over the in-memory FakeCluster, with a controllable clock.
import { toRef, type CrKey, type CrStatus, type KubeObject, type ObjectRef } from '../model.js';
import type { ReconcileDeps } from '../ports.js';
import { statusOf } from '../status.js';
import { FakeCluster, FakeRenderer } from './fake-cluster.js';

export const key: CrKey = {
  group: 'stable.example.io',
  plural: 'characters',
  namespace: 'crew',
  name: 'ripley',
};
export const crRef: ObjectRef = {
  apiVersion: 'stable.example.io/v1',
  kind: 'Character',
  namespace: 'crew',
  name: 'ripley',
};
export const cmRef: ObjectRef = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace: 'crew',
  name: 'ripley-config',
};
export const deployRef: ObjectRef = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  namespace: 'crew',
  name: 'ripley-web',
};

/** The workers' inventory key in these specs (production: one random key per Redis prefix). */
export const INVENTORY_KEY = 'test-inventory-key';

export interface Spec {
  by: string;
  withDeployment?: boolean;
  extra?: KubeObject[];
}

/** The "templates": a ConfigMap carrying spec.by, a Deployment unless spec.withDeployment is false, spec.extra. */
export function templates(cr: KubeObject): KubeObject[] {
  const spec = cr.spec as Spec;
  const name = cr.metadata.name ?? '';
  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${name}-config`, labels: { app: name } },
      data: { by: spec.by },
    },
  ];
  if (spec.withDeployment !== false) {
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `${name}-web` },
      spec: { replicas: 1, selector: { matchLabels: { app: name } } },
    });
  }
  return [...objects, ...(spec.extra ?? [])];
}

export class Scenario {
  readonly cluster = new FakeCluster();
  readonly renderer = new FakeRenderer(templates);
  clock = new Date('2026-03-01T10:00:00Z');
  readonly deps: ReconcileDeps = {
    reader: this.cluster,
    writer: this.cluster,
    events: this.cluster,
    renderer: this.renderer,
    resource: {
      name: 'characters',
      group: 'stable.example.io',
      version: 'v1',
      plural: 'characters',
      kind: 'Character',
    },
    now: () => this.clock,
    readinessPollMs: 5000,
    inventoryKey: INVENTORY_KEY,
  };

  putCr(spec: Spec, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
    return this.cluster.put({
      apiVersion: 'stable.example.io/v1',
      kind: 'Character',
      metadata: { name: 'ripley', namespace: 'crew', ...meta },
      spec,
    });
  }

  /** A spec change as the API server records it (generation bumped). */
  updateSpec(spec: Spec): void {
    this.cluster.mutate(crRef, (cr) => {
      cr.spec = spec;
      cr.metadata.generation = (cr.metadata.generation ?? 1) + 1;
    });
  }

  crStatus(): CrStatus {
    return statusOf(this.cluster.find(crRef) as KubeObject);
  }

  /** The inventory's refs, without the facts recorded per object. */
  inventoryRefs(): ObjectRef[] | undefined {
    return this.crStatus().resources?.map(toRef);
  }

  /** What the Deployment controller would report once the rollout is done. */
  markDeploymentAvailable(): void {
    this.cluster.mutate(deployRef, (d) => {
      d.status = {
        observedGeneration: d.metadata.generation,
        replicas: 1,
        updatedReplicas: 1,
        availableReplicas: 1,
        readyReplicas: 1,
      };
    });
  }
}
