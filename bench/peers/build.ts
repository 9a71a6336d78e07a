// Builds the peers the bench compares Lostrómos with, like test/control-plane/build.ts builds the control
// plane: a wrapper module per peer under bench/peers/<peer>/ pins the upstream version (committed go.mod and
// go.sum, `tool` directive), the binary is built through the Go module proxy and cached per machine under a
// key of everything that changes it (module files, Go version, recipe). A peer that cannot be built is
// `null` with the reason, never a failure of the bench.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PEERS_DIR = import.meta.dirname;
/** Bump when the build recipe changes. */
const RECIPE = 'p1';

export type PeerName = 'kro' | 'helm-operator' | 'metacontroller';

interface PeerSpec {
  name: PeerName;
  /** Upstream module whose version go.mod pins (or the PIN file for metacontroller). */
  module: string;
  pkg: string;
  binary: string;
  /** Files to copy out of the module (CRDs), relative to its root. */
  files?: string[];
}

export const PEERS: PeerSpec[] = [
  {
    name: 'kro',
    module: 'github.com/kubernetes-sigs/kro',
    pkg: 'github.com/kubernetes-sigs/kro/cmd/controller',
    binary: 'kro-controller',
    files: [
      'helm/crds/kro.run_resourcegraphdefinitions.yaml',
      'helm/crds/internal.kro.run_graphrevisions.yaml',
    ],
  },
  {
    name: 'helm-operator',
    module: 'github.com/operator-framework/operator-sdk',
    pkg: 'github.com/operator-framework/operator-sdk/cmd/helm-operator',
    binary: 'helm-operator',
  },
  {
    name: 'metacontroller',
    module: 'metacontroller',
    pkg: './pkg/cmd/metacontroller',
    binary: 'metacontroller',
    files: ['manifests/production/metacontroller-crds-v1.yaml'],
  },
];

export interface BuiltPeer {
  name: PeerName;
  version: string;
  binary: string;
  /** Copied upstream files (CRDs), by their path in the module. */
  files: Record<string, string>;
}

export type PeerBuild = { ok: true; peer: BuiltPeer } | { ok: false; reason: string };

export function peersCacheDir(): string {
  return (
    process.env.LOSTROMOS_BENCH_PEERS_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'lostromos', 'bench-peers')
  );
}

/** The pinned version: the module's line in go.mod, or metacontroller's PIN file (`<tag> <commit>`). */
export function pinnedVersion(spec: PeerSpec): string {
  const dir = path.join(PEERS_DIR, spec.name);
  if (spec.name === 'metacontroller')
    return fs.readFileSync(path.join(dir, 'PIN'), 'utf8').trim().split(/\s+/)[0]!;
  const gomod = fs.readFileSync(path.join(dir, 'go.mod'), 'utf8');
  const escaped = spec.module.replace(/[./]/g, (c) => `\\${c}`);
  const m = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(gomod);
  if (!m?.[1]) throw new Error(`${spec.module} is not pinned in bench/peers/${spec.name}/go.mod`);
  return m[1];
}

async function goVersion(): Promise<string | undefined> {
  try {
    return (await run('go', ['env', 'GOVERSION'])).stdout.trim();
  } catch {
    return undefined;
  }
}

function keyOf(spec: PeerSpec, goVer: string): string {
  const h = createHash('sha256').update(RECIPE).update(goVer).update(process.arch);
  for (const f of fs.readdirSync(path.join(PEERS_DIR, spec.name)).sort())
    h.update(f).update(fs.readFileSync(path.join(PEERS_DIR, spec.name, f)));
  return h.digest('hex').slice(0, 12);
}

async function goBuild(
  cwd: string,
  pkg: string,
  out: string,
  label: string,
  log: (l: string) => void,
): Promise<{ code: number | null; tail: string }> {
  const started = Date.now();
  let tail = '';
  let packages = 0;
  const child = spawn('go', ['build', '-v', '-trimpath', '-ldflags', '-s -w', '-o', out, pkg], {
    cwd,
    env: { ...process.env, CGO_ENABLED: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onData = (d: Buffer): void => {
    const text = d.toString();
    packages += text.split('\n').filter((l) => l && !l.includes(' ')).length;
    tail = (tail + text).slice(-3000);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const timer = setInterval(
    () =>
      log(`peers: building ${label}: ${packages} packages, ${Math.round((Date.now() - started) / 1000)} s`),
    30_000,
  );
  const code = await new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(127));
    child.once('exit', resolve);
  }).finally(() => clearInterval(timer));
  if (code === 0) log(`peers: built ${label} in ${Math.round((Date.now() - started) / 1000)} s`);
  return { code, tail };
}

/** The module's root directory in GOMODCACHE (downloading it when needed). */
async function moduleDir(cwd: string, mod: string, version: string): Promise<string> {
  const { stdout } = await run('go', ['mod', 'download', '-json', `${mod}@${version}`], {
    cwd,
    maxBuffer: 8 << 20,
  });
  return (JSON.parse(stdout) as { Dir: string }).Dir;
}

/**
 * metacontroller's go.mod names its module `metacontroller` (no domain), so the module proxy cannot serve it
 * and `go install`/`require` cannot fetch it. It is built from a git checkout at the pinned commit instead,
 * with its own committed go.mod/go.sum (dependencies still come from the proxy), when one is given.
 */
async function metacontrollerSource(spec: PeerSpec, tmp: string): Promise<string | { reason: string }> {
  const [tag, commit] = fs
    .readFileSync(path.join(PEERS_DIR, spec.name, 'PIN'), 'utf8')
    .trim()
    .split(/\s+/);
  const git = process.env.LOSTROMOS_BENCH_METACONTROLLER_GIT;
  if (!git)
    return {
      reason:
        `metacontroller ${tag} cannot come from the Go module proxy: its go.mod declares the bare module path ` +
        '"metacontroller", which the proxy cannot serve (github.com/metacontroller/metacontroller@… is refused ' +
        'too). Set LOSTROMOS_BENCH_METACONTROLLER_GIT to a git clone of github.com/metacontroller/metacontroller ' +
        `(commit ${commit} is built).`,
    };
  const src = path.join(tmp, 'src');
  fs.mkdirSync(src, { recursive: true });
  try {
    await run('sh', ['-c', `git --git-dir="$0" archive "$1" | tar -x -C "$2"`, git, commit!, src], {
      maxBuffer: 64 << 20,
    });
  } catch (err) {
    return {
      reason: `cannot export metacontroller ${tag} (${commit}) from ${git}: ${(err as Error).message}`,
    };
  }
  return src;
}

export async function buildPeer(name: PeerName, log: (l: string) => void): Promise<PeerBuild> {
  const spec = PEERS.find((p) => p.name === name)!;
  const goVer = await goVersion();
  if (!goVer)
    return { ok: false, reason: 'Go is not installed (go is needed to build the peers from source)' };
  let version: string;
  try {
    version = pinnedVersion(spec);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  const cache = peersCacheDir();
  const dir = path.join(cache, `${name}-${version}-${keyOf(spec, goVer)}`);
  const binary = path.join(dir, spec.binary);
  const files = (): Record<string, string> =>
    Object.fromEntries((spec.files ?? []).map((f) => [f, path.join(dir, 'files', f)]));
  if (fs.existsSync(binary)) return { ok: true, peer: { name, version, binary, files: files() } };
  if (name === 'metacontroller' && !process.env.LOSTROMOS_BENCH_METACONTROLLER_GIT) {
    const src = await metacontrollerSource(spec, os.tmpdir());
    if (typeof src !== 'string') return { ok: false, reason: src.reason };
  }
  fs.mkdirSync(cache, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.join(tmp, 'files'), { recursive: true });
  try {
    log(
      `peers: building ${name} ${version} from source (first build: a few minutes on 2 cores; cached in ${dir})`,
    );
    let cwd = path.join(PEERS_DIR, name);
    let root: string;
    if (name === 'metacontroller') {
      const src = await metacontrollerSource(spec, tmp);
      if (typeof src !== 'string') return { ok: false, reason: src.reason };
      cwd = src;
      root = src;
    } else {
      try {
        root = await moduleDir(cwd, spec.module, version);
      } catch (err) {
        return {
          ok: false,
          reason: `${spec.module}@${version} cannot be downloaded through the Go module proxy: ${(err as Error).message.split('\n').slice(-3).join(' ')}`,
        };
      }
    }
    const r = await goBuild(cwd, spec.pkg, path.join(tmp, spec.binary), `${name} ${version}`, log);
    if (r.code !== 0)
      return {
        ok: false,
        reason: `go build of ${name} ${version} failed (exit ${r.code}): ${r.tail.trim().split('\n').slice(-5).join(' | ')}`,
      };
    for (const f of spec.files ?? []) {
      const to = path.join(tmp, 'files', f);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(path.join(root, f), to);
    }
    if (name === 'metacontroller') fs.rmSync(path.join(tmp, 'src'), { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    return { ok: true, peer: { name, version, binary, files: files() } };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
