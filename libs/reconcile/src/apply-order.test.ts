import { describe, expect, it } from 'vitest';
import { sortForApply, sortForDelete } from './apply-order.js';

const k = (kind: string, name = kind): { kind: string; name: string } => ({ kind, name });

describe('apply order', () => {
  it('applies namespaces and CRDs first, then config and RBAC, then workloads, unknown kinds last', () => {
    const input = [
      k('Deployment'),
      k('Widget'),
      k('ConfigMap'),
      k('Namespace'),
      k('Role'),
      k('Service'),
      k('CustomResourceDefinition'),
      k('Secret'),
      k('ServiceAccount'),
      k('Apple'),
      k('Ingress'),
    ];
    expect(sortForApply(input).map((i) => i.kind)).toEqual([
      'Namespace',
      'ServiceAccount',
      'Secret',
      'ConfigMap',
      'CustomResourceDefinition',
      'Role',
      'Service',
      'Deployment',
      'Ingress',
      'Apple',
      'Widget',
    ]);
  });

  it('keeps template order among objects of the same kind', () => {
    const input = [k('ConfigMap', 'b'), k('Deployment', 'x'), k('ConfigMap', 'a')];
    expect(sortForApply(input).map((i) => i.name)).toEqual(['b', 'a', 'x']);
  });

  it('deletes in exactly the reverse apply order', () => {
    const input = [k('Deployment'), k('Namespace'), k('Widget'), k('ConfigMap')];
    expect(sortForDelete(input)).toEqual([...sortForApply(input)].reverse());
  });

  it('does not modify its input', () => {
    const input = [k('Deployment'), k('Namespace')];
    sortForApply(input);
    expect(input.map((i) => i.kind)).toEqual(['Deployment', 'Namespace']);
  });
});
