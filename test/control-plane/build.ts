// Builds the real control plane (etcd, kube-apiserver, kube-controller-manager) from source through the Go
// module proxy, pinned by the committed go.mod/go.sum under test/control-plane/go/, and caches the binaries
// per machine keyed by everything that changes them (module files, Go version, build recipe). A second call
// with the same pin is a cache hit that costs a few milliseconds.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ControlPlaneError } from './errors.ts';

const GO_DIR = path.join(import.meta.dirname, 'go');
/** Bump when the build recipe (flags, ldflags) changes, so cached binaries are rebuilt. */
const RECIPE = 'r1';

export interface Family {
  /** Folder under go/: one wrapper module per binary family, so their dependency versions don't bleed. */
  name: 'etcd' | 'kube';
  /** `module path@version` of the pinned upstream. */
  module: string;
  binaries: Array<{ name: string; pkg: string }>;
}

export const FAMILIES: Family[] = [
  {
    name: 'etcd',
    module: 'go.etcd.io/etcd/server/v3',
    binaries: [{ name: 'etcd', pkg: 'go.etcd.io/etcd/server/v3' }],
  },
  {
    name: 'kube',
    module: 'k8s.io/kubernetes',
    binaries: [
      { name: 'kube-apiserver', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver' },
      { name: 'kube-controller-manager', pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager' },
    ],
  },
];

export interface ControlPlaneBinaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  versions: { kubernetes: string; etcd: string; go: string };
}

export interface BuildOptions {
  /** Where built binaries live; default $LOSTROMOS_CONTROL_PLANE_CACHE or ~/.cache/lostromos/control-plane. */
  cacheDir?: string;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /** The go command (default `go`); a test points it at a missing binary. */
  go?: string;
}

export function defaultCacheDir(): string {
  return (
    process.env.LOSTROMOS_CONTROL_PLANE_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'lostromos', 'control-plane')
  );
}

/** The pinned version of `module` in a wrapper module's go.mod. */
export function pinnedVersion(family: Family): string {
  const gomod = fs.readFileSync(path.join(GO_DIR, family.name, 'go.mod'), 'utf8');
  const escaped = family.module.replace(/[./]/g, (c) => `\\${c}`);
  const m = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(gomod);
  if (!m?.[1])
    throw new ControlPlaneError('CP_PIN', `${family.module} is not pinned in go/${family.name}/go.mod`);
  return m[1];
}

function goVersion(go: string): string {
  const r = spawnSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new ControlPlaneError(
      'CP_GO_MISSING',
      `Go is needed to build the test control plane (kube-apiserver, etcd) from source, but \`${go}\` ` +
        `${r.error ? `cannot be run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` : `failed: ${r.stderr.trim()}`}. ` +
        'Install Go >= 1.26 (https://go.dev/dl: unpack to /usr/local/go and put /usr/local/go/bin on PATH), ',
    );
  }
  const v = r.stdout.trim();
  const [maj = 0, min = 0] = v.replace(/^go/, '').split('.').map(Number);
  if (maj < 1 || (maj === 1 && min < 26)) {
    throw new ControlPlaneError(
      'CP_GO_TOO_OLD',
      `Go ${v} is too old to build kube-apiserver v1.37: install Go >= 1.26 (https://go.dev/dl), or run with GOTOOLCHAIN=go1.26.8 so Go fetches it.`,
    );
  }
  return v;
}

function cacheKey(family: Family, goVer: string): string {
  const h = createHash('sha256');
  h.update(RECIPE).update(goVer).update(process.arch);
  for (const f of ['go.mod', 'go.sum']) h.update(fs.readFileSync(path.join(GO_DIR, family.name, f)));
  return h.digest('hex').slice(0, 12);
}

function ldflags(family: Family, version: string): string[] {
  const flags = ['-s', '-w'];
  if (family.name !== 'kube') return flags;
  // Without these, /version says v0.0.0-master and clients that read the server version (helm's
  // .Capabilities.KubeVersion, kubectl version skew warnings) misbehave.
  const [major = '1', minor = '0'] = version.replace(/^v/, '').split('.');
  const values: Record<string, string> = {
    gitVersion: version,
    gitMajor: major,
    gitMinor: minor,
    gitCommit: 'module-proxy',
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
  };
  for (const [k, v] of Object.entries(values)) {
    flags.push(
      '-X',
      `k8s.io/component-base/version.${k}=${v}`,
      '-X',
      `k8s.io/client-go/pkg/version.${k}=${v}`,
    );
  }
  return flags;
}

/** A directory lock (mkdir is atomic), so two test processes never build the same family at once. */
async function withLock<T>(lockDir: string, log: (l: string) => void, fn: () => Promise<T>): Promise<T> {
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(path.join(lockDir, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
      if (pid && !alive(pid)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!announced) log(`control-plane: waiting for the build in process ${pid} to finish`);
      announced = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function goBuild(
  go: string,
  family: Family,
  binary: Family['binaries'][number],
  version: string,
  outDir: string,
  log: (l: string) => void,
): Promise<void> {
  const args = [
    'build',
    '-v',
    '-trimpath',
    '-tags',
    'notest',
    '-ldflags',
    ldflags(family, version).join(' '),
    '-o',
    path.join(outDir, binary.name),
    binary.pkg,
  ];
  const started = Date.now();
  let packages = 0;
  let tail = '';
  // Static binaries, as the official release build makes them (hack/lib/golang.sh: KUBE_STATIC_BINARIES).
  const child = spawn(go, args, {
    cwd: path.join(GO_DIR, family.name),
    env: { ...process.env, CGO_ENABLED: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onData = (d: Buffer): void => {
    const text = d.toString();
    packages += text.split('\n').filter((l) => l && !l.startsWith('#') && !l.includes(' ')).length;
    tail = (tail + text).slice(-4000);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const timer = setInterval(
    () =>
      log(
        `control-plane: building ${binary.name} ${version}: ${packages} packages compiled, ${Math.round((Date.now() - started) / 1000)} s`,
      ),
    30_000,
  );
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  }).finally(() => clearInterval(timer));
  if (code !== 0) {
    throw new ControlPlaneError(
      'CP_BUILD_FAILED',
      `building ${binary.name} ${version} failed (go build exited ${code}). Last output:\n${tail.trim()}\n` +
        `Fix: check that the Go module proxy is reachable (GOPROXY=${process.env.GOPROXY ?? 'default'}), ` +
        `and that test/control-plane/go/${family.name}/go.sum is committed; \`cd test/control-plane/go/${family.name} && go mod tidy\` repairs it.`,
    );
  }
  log(`control-plane: built ${binary.name} ${version} in ${Math.round((Date.now() - started) / 1000)} s`);
}

async function ensureFamily(
  family: Family,
  opts: Required<BuildOptions>,
  goVer: string,
): Promise<{ dir: string; version: string }> {
  const version = pinnedVersion(family);
  const dir = path.join(opts.cacheDir, `${family.name}-${version}-${cacheKey(family, goVer)}`);
  const complete = (): boolean => family.binaries.every((b) => fs.existsSync(path.join(dir, b.name)));
  if (complete()) return { dir, version };
  fs.mkdirSync(opts.cacheDir, { recursive: true });
  await withLock(`${dir}.lock`, opts.log, async () => {
    if (complete()) return;
    opts.log(
      `control-plane: building ${family.binaries.map((b) => b.name).join(', ')} ${version} from source ` +
        `(${family.name === 'kube' ? 'first build: about 7 min on 2 cores, with module downloads' : 'about 2 min'}; cached in ${dir})`,
    );
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    try {
      for (const b of family.binaries) await goBuild(opts.go, family, b, version, tmp, opts.log);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(tmp, dir);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
  return { dir, version };
}

/** Builds what is missing (one family at a time: a 2-core machine gains nothing from both at once). */
export async function buildControlPlane(options: BuildOptions = {}): Promise<ControlPlaneBinaries> {
  const opts: Required<BuildOptions> = {
    cacheDir: options.cacheDir ?? defaultCacheDir(),
    log: options.log ?? ((l) => process.stderr.write(`${l}\n`)),
    go: options.go ?? 'go',
  };
  const goVer = goVersion(opts.go);
  const etcdFamily = FAMILIES[0]!;
  const kubeFamily = FAMILIES[1]!;
  const etcd = await ensureFamily(etcdFamily, opts, goVer);
  const kube = await ensureFamily(kubeFamily, opts, goVer);
  return {
    etcd: path.join(etcd.dir, 'etcd'),
    kubeApiserver: path.join(kube.dir, 'kube-apiserver'),
    kubeControllerManager: path.join(kube.dir, 'kube-controller-manager'),
    versions: { kubernetes: kube.version, etcd: etcd.version, go: goVer },
  };
}
