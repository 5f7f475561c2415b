// The newc writer, checked by reading its output back with an independent parser (and with
// cpio(1) when the host has it), plus the pure pieces of the guest build: module load order and
// the parsing of the guest's counter.
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseCounters, parseDiskCounter } from '../../qemu/guest-init';
import { loadOrder, moduleName } from '../../qemu/kmod';
import { newcArchive, newcGzip, type NewcEntry } from '../../qemu/newc';

interface Parsed {
  name: string;
  ino: number;
  mode: number;
  uid: number;
  nlink: number;
  rdev: [number, number];
  data: Buffer;
}

const align4 = (n: number) => (n + 3) & ~3;

function parseNewc(buf: Buffer): Parsed[] {
  const out: Parsed[] = [];
  let off = 0;
  for (;;) {
    expect(buf.toString('ascii', off, off + 6)).toBe('070701');
    const field = (i: number) => parseInt(buf.toString('ascii', off + 6 + i * 8, off + 14 + i * 8), 16);
    const [size, nameSize] = [field(6), field(11)];
    const name = buf.toString('utf8', off + 110, off + 110 + nameSize - 1);
    expect(buf[off + 110 + nameSize - 1]).toBe(0);
    const dataStart = align4(off + 110 + nameSize);
    const entry = { name, ino: field(0), mode: field(1), uid: field(2), nlink: field(4), rdev: [field(9), field(10)] };
    off = align4(dataStart + size);
    if (name === 'TRAILER!!!') break;
    out.push({ ...entry, rdev: entry.rdev as [number, number], data: buf.subarray(dataStart, dataStart + size) });
  }
  expect(off).toBe(buf.length);
  return out;
}

const entries: NewcEntry[] = [
  { kind: 'dir', path: 'dev' },
  { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
  { kind: 'dir', path: 'bin' },
  { kind: 'file', path: 'bin/tool', data: Buffer.from('abcde'), mode: 0o755 },
  { kind: 'symlink', path: 'bin/sh', target: 'tool' },
  { kind: 'file', path: 'empty', data: Buffer.alloc(0) },
];

describe('newc writer', () => {
  it('writes entries a parser reads back: types, permissions, device numbers, data, 4-byte alignment', () => {
    const got = parseNewc(newcArchive(entries));
    expect(got.map((e) => [e.name, e.mode.toString(8)])).toEqual([
      ['dev', '40755'],
      ['dev/console', '20600'],
      ['bin', '40755'],
      ['bin/tool', '100755'],
      ['bin/sh', '120777'],
      ['empty', '100644'],
    ]);
    expect(got[1]?.rdev).toEqual([5, 1]);
    expect(got[3]?.data.toString()).toBe('abcde');
    expect(got[4]?.data.toString()).toBe('tool');
    expect(new Set(got.map((e) => e.ino)).size).toBe(got.length);
    expect(got.every((e) => e.uid === 0)).toBe(true);
  });

  it('is reproducible and gzips to the same archive', () => {
    expect(newcArchive(entries).equals(newcArchive(entries))).toBe(true);
    expect(gunzipSync(newcGzip(entries)).equals(newcArchive(entries))).toBe(true);
  });

  it('refuses absolute or unnormalised paths', () => {
    for (const path of ['/init', 'a/../b', 'a//b', './x', ''])
      expect(() => newcArchive([{ kind: 'dir', path }])).toThrow(/relative and normalised/);
  });

  it('lists the same names with cpio -t, when cpio is installed', () => {
    const r = spawnSync('cpio', ['-t', '--quiet'], { input: newcArchive(entries), encoding: 'utf8' });
    if (r.error) return; // no cpio(1) on this host: the parser above is the check
    expect(r.stdout.trim().split('\n')).toEqual(entries.map((e) => e.path));
  });
});

describe('guest build helpers', () => {
  it('orders modules dependencies first, skips built-ins, and normalises dashes', () => {
    const deps: Record<string, string[]> = {
      virtio_blk: ['virtio', 'virtio_ring'],
      virtio_pci: ['virtio_ring', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio'],
      virtio: ['virtio_ring'],
    };
    const order = loadOrder(['virtio_pci', 'virtio_blk'], (m) => deps[m] ?? [], new Set(['virtio_pci_legacy_dev']));
    expect(order).toEqual(['virtio_ring', 'virtio_pci_modern_dev', 'virtio', 'virtio_pci', 'virtio_blk']);
    expect(moduleName('kernel/drivers/gpu/drm/virtio/virtio-gpu.ko.xz')).toBe('virtio_gpu');
  });

  it('rejects a dependency cycle', () => {
    expect(() => loadOrder(['a'], (m) => (m === 'a' ? ['b'] : ['a']), new Set())).toThrow(/cycle: a -> b -> a/);
  });

  it('parses counters from a serial log and a disk sector', () => {
    expect(parseCounters('[ 1.0] boot\r\nLIVESHIFT-READY\r\nLIVESHIFT-COUNTER 1\r\nLIVESHIFT-COUNTER 2\r\n')).toEqual([
      1, 2,
    ]);
    const sector = Buffer.alloc(512);
    sector.write('LIVESHIFT-COUNTER 42\n');
    expect(parseDiskCounter(sector)).toBe(42);
    expect(parseDiskCounter(Buffer.alloc(512))).toBeUndefined();
  });
});
