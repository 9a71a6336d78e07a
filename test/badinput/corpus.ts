// The bad-input corpus (issue 13): inputs a careless or hostile user can give Lostrómos, each with the error it
// must produce. A row is data: what the input is, and what a user must be told — what is wrong, where (file:line,
// field, flag or variable) and how to fix it — plus the exit code where a command runs. Adding a case is adding a
// row to one of the tables in cases/; every table runs with one `it.each` in its category's test file.
//
// A row the product does not meet yet carries `finding`: the exact place to change. It still states what the
// product SHOULD say, and runs as `it.fails` until the fix lands (then vitest reports it as unexpectedly
// passing: delete the `finding`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { spawnLostromos } from '../support/index.js';

export type Category = 'cr-values' | 'handlebars' | 'helm' | 'config' | 'cli' | 'redis' | 'kubeconfig';

export interface Expectation {
  /** Exit code of the real command (rows that run a `lostromos` command). */
  exit?: number;
  /** The error's code (RenderError, ConfigError, KubeConfigError, RedisSettingsError …), when it has one. */
  code?: string;
  /** What is wrong, where, and how to fix it: every pattern must match the text the user sees. */
  message: RegExp[];
  /** What the text must not contain (e.g. a secret). */
  absent?: RegExp[];
}

export interface BadInput<I, E = Expectation> {
  /** Unique, stable, kebab-case. */
  id: string;
  category: Category;
  /** The input in words, as the test name. */
  title: string;
  input: I;
  expect: E;
  /** Open finding: the product does not meet `expect` yet; names the file/function to change. Runs as it.fails. */
  finding?: string;
}

/**
 * Text no user can act on, wherever it shows up (stderr, logs, conditions, Events): internal errors leaking
 * through, and characters that make a message display something else than it says.
 */
export const UNCLEAR: ReadonlyArray<[RegExp, string]> = [
  // A stack, also inside a JSON log line (where its newlines are written \n).
  [/(?:\n|\\n)\s+at [^\n]+?:\d+:\d+\)?/, 'a stack trace'],
  [/\[object Object\]/, '"[object Object]"'],
  [/Converting circular structure/, 'a JSON.stringify failure'],
  [/Maximum call stack/, 'a stack overflow'],
  [/Excessive alias count/, "the yaml library's alias-count error"],
  [/Please report this|Unknown RESP type/, "ioredis' protocol error"],
  [/lz[vs][0-9a-f]{6,}x?\d*z/, 'an internal value token'],
  [/^(Type|Reference|Range)Error\b/m, 'a bare JavaScript error'],
  [/[\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/, 'a raw bidi or invisible character'],
];

/** Asserts `text` says what the row expects and nothing unclear. */
export function expectClear(text: string, e: Pick<Expectation, 'message' | 'absent'>, id = ''): void {
  const shown = text.length > 1500 ? `${text.slice(0, 1500)}…` : text;
  for (const re of e.message)
    expect(text, `${id}: message must match ${String(re)}; it is:\n${shown}\n`).toMatch(re);
  for (const re of e.absent ?? [])
    expect(text, `${id}: message must not match ${String(re)}`).not.toMatch(re);
  for (const [re, what] of UNCLEAR)
    expect(text, `${id}: message contains ${what}; it is:\n${shown}\n`).not.toMatch(re);
}

/** An error's code and text, for rows that call a library function. */
export function errorOf(fn: () => unknown): { code?: string; text: string; error: unknown } {
  try {
    fn();
  } catch (error) {
    return describeError(error);
  }
  throw new Error('expected an error, got none');
}

export async function asyncErrorOf(
  fn: () => Promise<unknown>,
): Promise<{ code?: string; text: string; error: unknown }> {
  try {
    await fn();
  } catch (error) {
    return describeError(error);
  }
  throw new Error('expected an error, got none');
}

export function describeError(error: unknown): { code?: string; text: string; error: unknown } {
  const e = error as { code?: unknown; message?: unknown; details?: () => string };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  // A ConfigError prints its first problem, then every problem with where it came from: the user sees both.
  const details = typeof e?.details === 'function' ? `\n${e.details()}` : '';
  return { ...(typeof e?.code === 'string' ? { code: e.code } : {}), text: `${message}${details}`, error };
}

/** Checks an error against a row: code (when given), message patterns, and the generic clarity rules. */
export function expectError(got: { code?: string; text: string }, e: Expectation, id: string): void {
  if (e.code !== undefined) expect(got.code, `${id}: code (message: ${got.text})`).toBe(e.code);
  expectClear(got.text, e, id);
}

/**
 * Rows split into those the product meets and open findings (it.fails). BADINPUT_OPEN=show runs the open findings
 * as ordinary tests, to see how each falls short.
 */
export function split<R extends { finding?: string }>(rows: readonly R[]): { meets: R[]; open: R[] } {
  if (process.env.BADINPUT_OPEN === 'show') return { meets: [...rows], open: [] };
  return { meets: rows.filter((r) => !r.finding), open: rows.filter((r) => r.finding) };
}

/** Fails when two rows share an id (ids are how findings and reports refer to rows). */
export function assertUniqueIds(rows: ReadonlyArray<{ id: string }>): void {
  const seen = new Set<string>();
  for (const r of rows) {
    expect(seen.has(r.id), `duplicate row id ${r.id}`).toBe(false);
    seen.add(r.id);
  }
}

/** Writes `files` (relative path → text) under `dir`. */
export function writeTree(dir: string, files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return dir;
}

const made: string[] = [];

/** A new temporary folder; removeTmpDirs (each file's afterAll) deletes them all. */
export function tmpDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lz-badinput-${prefix}-`));
  made.push(dir);
  return dir;
}

export function removeTmpDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A YAML "billion laughs": each level multiplies the previous by ten (10^4 = 10,000 copies). */
export function yamlBomb(indent = ''): string {
  const ten = (name: string): string => Array.from({ length: 10 }, () => `*${name}`).join(', ');
  return [
    `${indent}l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]`,
    `${indent}l1: &l1 [${ten('l0')}]`,
    `${indent}l2: &l2 [${ten('l1')}]`,
    `${indent}l3: [${ten('l2')}]`,
    '',
  ].join('\n');
}

/** `{ a: { a: … leaf } }`, `depth` mappings deep. */
export function nested(depth: number, leaf: unknown = 'leaf'): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** Environment for the CLI without the test runner's LOSTROMOS_* variables (an empty one counts as unset). */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of Object.keys(process.env)) if (k.startsWith('LOSTROMOS_')) env[k] = '';
  return { ...env, KUBECONFIG: '', ...extra };
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when the command had to be stopped (it did not exit within `timeoutMs`). */
  timedOut: boolean;
}

/**
 * Runs the built `lostromos` binary (apps/cli/dist/main.js) to completion, asynchronously, stopping it (SIGTERM,
 * then SIGKILL) if it has not exited within `timeoutMs`: a bad input must never leave a process behind.
 */
export async function runCommand(
  args: readonly string[],
  opts: { cwd: string; env?: Record<string, string>; stdin?: string; timeoutMs?: number },
): Promise<CommandResult> {
  const p = spawnLostromos(args, opts);
  let stdout = '';
  let stderr = '';
  p.proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  p.proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void p.stop(2000);
  }, opts.timeoutMs ?? 60_000);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, stdout, stderr, timedOut };
}
