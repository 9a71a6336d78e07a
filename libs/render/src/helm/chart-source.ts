import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { RenderError } from '../render-error.js';
import { ArchiveError, extractTgz } from './untar.js';

/** A chart ready for `helm template`: always a local, unpacked folder. */
export interface ChartSource {
  /** Folder holding Chart.yaml. */
  dir: string;
  name: string;
  version: string;
  /** Hash of the chart's content: changes when the chart does. */
  revision: string;
}

export interface ResolveChartOptions {
  helmPath: string;
  /** Chart version for remote charts. */
  version?: string;
  /** Where unpacked .tgz files and pulled charts are kept; default <tmpdir>/lostromos-charts. */
  cacheDir?: string;
  timeoutMs?: number;
}

export function defaultChartCacheDir(): string {
  return path.join(os.tmpdir(), 'lostromos-charts');
}

const ARCHIVE = /\.(tgz|tar\.gz)$/;
const REMOTE = /^(oci|https?):\/\//;

function sourceError(chart: string, why: string, cause?: unknown): RenderError {
  return new RenderError('LZ_HELM_CHART_SOURCE', `chart ${chart}: ${why}`, { cause });
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Every file of a chart folder (sub-folders included), as path relative to `dir` and bytes, in the order the
 * chart's revision hashes them (names sorted per folder, depth first). Symbolic links and other non-files
 * are skipped, as helm packages them.
 */
export async function readChartTree(dir: string): Promise<Array<[string, Buffer]>> {
  const out: Array<[string, Buffer]> = [];
  const walk = async (d: string): Promise<void> => {
    const entries = (await fs.readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push([path.relative(dir, p), await fs.readFile(p)]);
    }
  };
  await walk(dir);
  return out;
}

/** The content revision of a chart folder read by readChartTree. */
export function hashChartTree(files: ReadonlyArray<readonly [string, Buffer]>): string {
  const hash = createHash('sha256');
  for (const [rel, bytes] of files) hash.update(rel).update('\0').update(bytes).update('\0');
  return hash.digest('hex');
}

async function hashFolder(dir: string): Promise<string> {
  return hashChartTree(await readChartTree(dir));
}

async function readChartMeta(dir: string, chart: string): Promise<{ name: string; version: string }> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, 'Chart.yaml'), 'utf8');
  } catch (err) {
    throw sourceError(chart, `no Chart.yaml in ${dir} (is it a Helm chart folder?)`, err);
  }
  const meta = YAML.parse(text) as { name?: unknown; version?: unknown } | null;
  if (!meta || typeof meta.name !== 'string') throw sourceError(chart, `${dir}/Chart.yaml has no name`);
  return { name: meta.name, version: String((meta.version as string | number | undefined) ?? '') };
}

/** Unpacks an archive once into the cache (keyed by its content hash) and returns the chart folder. */
async function unpackOnce(
  archivePath: string,
  chart: string,
  cacheDir: string,
): Promise<{ dir: string; revision: string }> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(archivePath);
  } catch (err) {
    throw sourceError(chart, `cannot read ${archivePath}: ${(err as Error).message}`, err);
  }
  const revision = createHash('sha256').update(bytes).digest('hex');
  const target = path.join(cacheDir, revision);
  if (!(await exists(target))) {
    await fs.mkdir(cacheDir, { recursive: true });
    const tmp = await fs.mkdtemp(path.join(cacheDir, '.unpack-'));
    try {
      await extractTgz(bytes, tmp);
      await fs.rename(tmp, target).catch(async (err: NodeJS.ErrnoException) => {
        // Another process unpacked the same archive first: theirs is identical.
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
        await fs.rm(tmp, { recursive: true, force: true });
      });
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true });
      if (err instanceof ArchiveError) throw sourceError(chart, err.message, err);
      throw sourceError(chart, `cannot unpack ${archivePath}: ${(err as Error).message}`, err);
    }
  }
  const tops = (await fs.readdir(target, { withFileTypes: true })).filter((e) => e.isDirectory());
  for (const t of tops) {
    if (await exists(path.join(target, t.name, 'Chart.yaml')))
      return { dir: path.join(target, t.name), revision };
  }
  if (await exists(path.join(target, 'Chart.yaml'))) return { dir: target, revision };
  throw sourceError(chart, `${archivePath} holds no Chart.yaml`);
}

async function pull(chart: string, opts: ResolveChartOptions, cacheDir: string): Promise<string> {
  const key = createHash('sha256')
    .update(`${chart}\0${opts.version ?? ''}`)
    .digest('hex')
    .slice(0, 32);
  const dest = path.join(cacheDir, 'pulled', key);
  const existing = (await fs.readdir(dest).catch(() => [] as string[])).find((f) => ARCHIVE.test(f));
  if (existing) return path.join(dest, existing);
  await fs.mkdir(dest, { recursive: true });
  const args = ['pull', chart, '--destination', dest, ...(opts.version ? ['--version', opts.version] : [])];
  await new Promise<void>((resolve, reject) => {
    execFile(opts.helmPath, args, { timeout: opts.timeoutMs ?? 60_000 }, (err, _out, stderr) => {
      if (err)
        reject(
          sourceError(
            chart,
            `helm pull failed: ${(stderr || err.message).trim().replace(/^Error: /, '')}`,
            err,
          ),
        );
      else resolve();
    });
  });
  const got = (await fs.readdir(dest)).find((f) => ARCHIVE.test(f));
  if (!got) throw sourceError(chart, 'helm pull produced no archive');
  return path.join(dest, got);
}

/**
 * Turns a configured chart (folder, .tgz, `repo/name` or `oci://…`) into a local folder. Archives are
 * unpacked once per content hash; remote charts are pulled once per (chart, version).
 */
export async function resolveChart(chart: string, opts: ResolveChartOptions): Promise<ChartSource> {
  const cacheDir = opts.cacheDir ?? defaultChartCacheDir();
  let dir: string;
  let revision: string;
  const stat = await fs.stat(chart).catch(() => undefined);
  if (stat?.isDirectory()) {
    dir = chart;
    revision = await hashFolder(dir);
  } else if (stat?.isFile() || ARCHIVE.test(chart)) {
    ({ dir, revision } = await unpackOnce(chart, chart, cacheDir));
  } else if (REMOTE.test(chart) || /^[a-z0-9][-a-z0-9_.]*\/[a-z0-9][-a-z0-9_.]*$/i.test(chart)) {
    ({ dir, revision } = await unpackOnce(await pull(chart, opts, cacheDir), chart, cacheDir));
  } else {
    throw sourceError(
      chart,
      'no such folder or file (local charts are folders or .tgz files; remote ones repo/name or oci://…)',
    );
  }
  const meta = await readChartMeta(dir, chart);
  return { dir, ...meta, revision };
}
