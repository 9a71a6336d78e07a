import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ArchiveError, extractTgz } from './untar.js';

function header(name: string, size: number, type: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0);
  h.write('0000644\0', 100);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  return h;
}

function tgz(entries: { name: string; body?: string; type?: string }[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    if (e.name.length > 100) {
      const long = Buffer.from(`${e.name}\0`);
      parts.push(
        header('././@LongLink', long.length, 'L'),
        long,
        Buffer.alloc((512 - (long.length % 512)) % 512),
      );
    }
    parts.push(
      header(e.name, body.length, e.type ?? '0'),
      body,
      Buffer.alloc((512 - (body.length % 512)) % 512),
    );
  }
  parts.push(Buffer.alloc(1024));
  return zlib.gzipSync(Buffer.concat(parts));
}

const dest = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'lz-untar-'));

describe('extractTgz', () => {
  it('unpacks files and folders, including GNU long names', async () => {
    const d = dest();
    const long = `chart/templates/${'x'.repeat(120)}.yaml`;
    await extractTgz(
      tgz([
        { name: 'chart/', type: '5' },
        { name: 'chart/Chart.yaml', body: 'name: c\n' },
        { name: long, body: 'k: v\n' },
      ]),
      d,
    );
    expect(fs.readFileSync(path.join(d, 'chart/Chart.yaml'), 'utf8')).toBe('name: c\n');
    expect(fs.readFileSync(path.join(d, long), 'utf8')).toBe('k: v\n');
  });

  it('refuses entries that escape the destination', async () => {
    await expect(extractTgz(tgz([{ name: '../evil', body: 'x' }]), dest())).rejects.toBeInstanceOf(
      ArchiveError,
    );
    await expect(extractTgz(tgz([{ name: 'chart/../../evil', body: 'x' }]), dest())).rejects.toThrow(
      /outside the chart folder/,
    );
  });

  it('skips symbolic links', async () => {
    const d = dest();
    await extractTgz(
      tgz([
        { name: 'chart/link', type: '2' },
        { name: 'chart/a', body: 'a' },
      ]),
      d,
    );
    expect(fs.readdirSync(path.join(d, 'chart'))).toEqual(['a']);
  });

  it('rejects data that is not gzip', async () => {
    await expect(extractTgz(Buffer.from('plain'), dest())).rejects.toThrow(/not a gzip archive/);
  });
});
