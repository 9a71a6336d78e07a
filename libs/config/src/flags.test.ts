import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { CONFIG_FLAGS, formatFlagHelp, parseBoolean, parseFlags, type FlagSpec } from './flags.js';

const SPECS: FlagSpec[] = [
  { name: 'name', type: 'string', description: 'a name' },
  { name: 'count', type: 'number', description: 'a count' },
  { name: 'on', type: 'boolean', description: 'a switch' },
  { name: 'items', type: 'list', description: 'a list' },
];

describe('parseFlags', () => {
  it('parses both spellings, booleans, numbers, lists and positionals', () => {
    expect(
      parseFlags(
        ['--name', 'a', '--count=3', '--on', '--items', 'x,y', '--items=z', 'pos', '--', '--name'],
        SPECS,
      ),
    ).toEqual({
      flags: { name: 'a', count: 3, on: true, items: ['x', 'y', 'z'] },
      positionals: ['pos', '--name'],
    });
    expect(parseFlags(['--on=false'], SPECS).flags.on).toBe(false);
  });

  it('lets the last occurrence win', () => {
    expect(parseFlags(['--name', 'a', '--name', 'b'], SPECS).flags.name).toBe('b');
  });

  it.each([
    [['--nmae', 'x'], 'unknown flag --nmae (did you mean --name?)'],
    [['--zzzzzzzzzz'], 'unknown flag --zzzzzzzzzz'],
    [['-n', 'x'], 'unknown flag -n (flags are spelled --name)'],
    [['--name'], '--name: missing value (usage: --name VALUE)'],
    [['--name', '--count', '1'], '--name: missing value'],
    [['--count', 'ten'], '--count: expected a number, got "ten"'],
    [['--on=maybe'], '--on: expected true or false, got "maybe"'],
  ])('%j → %s', (argv, message) => {
    let caught: unknown;
    try {
      parseFlags(argv, SPECS);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe('LZ_CONFIG_FLAG');
    expect((caught as ConfigError).message).toContain(message);
  });

  it('accepts a value that starts with a single dash', () => {
    expect(parseFlags(['--count', '-1'], SPECS).flags.count).toBe(-1);
  });
});

describe('flag tables', () => {
  it('include every original-tool flag and ours', () => {
    const names = CONFIG_FLAGS.map((f) => f.name);
    for (const n of [
      'crd-name',
      'crd-group',
      'crd-version',
      'crd-namespace',
      'crd-filter',
      'templates',
      'kube-config',
      'server-address',
      'metrics-endpoint',
      'status-endpoint',
      'config',
      'redis',
      'kubeconfig',
      'role',
      'log-level',
      'log-format',
    ]) {
      expect(names).toContain(n);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('never offer a flag for a password', () => {
    expect(CONFIG_FLAGS.map((f) => f.name).filter((n) => /password$/.test(n))).toEqual([]);
  });

  it('format help with one line per flag', () => {
    const help = formatFlagHelp(SPECS);
    expect(help.split('\n')).toHaveLength(4);
    expect(help).toContain('--on ');
    expect(help).toContain('--count NUMBER');
  });

  it('parse booleans', () => {
    expect([parseBoolean('YES'), parseBoolean('0'), parseBoolean('maybe')]).toEqual([true, false, undefined]);
  });
});
