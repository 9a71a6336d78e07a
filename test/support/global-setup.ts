// Runs once before the integration suites: says which API server the end-to-end suites use (CI logs show
// it), and builds the real control plane first if it is missing, so parallel suites never race to build it.
import { buildControlPlane } from '../control-plane/build.ts';
import { substrateKind } from './substrate.ts';

export default async function setup(): Promise<void> {
  const kind = substrateKind();
  const b = await buildControlPlane();
  const real = `kube-apiserver ${b.versions.kubernetes} + kube-controller-manager ${b.versions.kubernetes} + etcd ${b.versions.etcd} (built from source, ${b.versions.go})`;
  process.stdout.write(
    kind === 'real'
      ? `end-to-end substrate: real control plane: ${real}\n`
      : `end-to-end substrate: simulator (libs/kube-sim); the control-plane suite still uses ${real}\n`,
  );
}
