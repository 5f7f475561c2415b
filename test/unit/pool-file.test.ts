import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canAttachEarly } from '../../domain/early-attach';
import { FailureType, LiveshiftError } from '../../domain/errors';
import type { PoolInput } from '../../domain/pool';
import { validateRequest } from '../../domain/request';
import { loadPoolFile, parsePool } from '../../sim/pool-file';
import { EXAMPLE_POOL, smallPool, smallPoolInput } from './fixtures';

function poolError(text: string): LiveshiftError {
  try {
    parsePool(text, 'bad.yaml');
  } catch (err) {
    if (err instanceof LiveshiftError) return err;
    throw err;
  }
  throw new Error('expected the pool file to be refused');
}

const base = smallPoolInput();
const vm = base.vms![0]!;
const withVm = (patch: Partial<typeof vm>): PoolInput => ({ ...base, vms: [{ ...vm, ...patch }] });

describe('parsePool / loadPoolFile', () => {
  it('loads examples/pool.yaml', () => {
    const pool = loadPoolFile(EXAMPLE_POOL);
    expect(pool.name).toBe('demo');
    expect(pool.hosts.map((h) => h.name)).toEqual(['host-a', 'host-b', 'host-c']);
    expect(pool.hosts.every((h) => h.vbdPlugUnplugLegacy === false)).toBe(true);
    expect(pool.vms.map((v) => v.name)).toEqual(['web-01', 'db-01', 'app-01', 'cache-01']);
    expect(pool.vms[0]?.vbds[1]).toEqual({ device: 'xvdd', type: 'CD', mode: 'RW', empty: true });
    expect(pool.vms[2]?.vbds[1]).toMatchObject({ device: 'xvdb', mode: 'RO', vdi: 'base-image', type: 'Disk' });
  });

  it('reads JSON as well, applying the defaults', () => {
    const pool = parsePool(JSON.stringify({ name: 'j', hosts: [{ name: 'h1' }] }), 'pool.json');
    expect(pool).toMatchObject({
      timeScale: 1,
      sms: [],
      srs: [],
      vms: [],
      faults: [],
      network: { migrationMiBps: 1100 },
      policy: { allowEarlyAttach: [], denyEarlyAttach: [] },
    });
  });

  it.each([
    ['malformed YAML', 'name: demo\nhosts: [host-a\n', /not valid YAML/],
    ['not a mapping', '- just\n- a list\n', /bad\.yaml/],
    ['unknown host in residentOn', withVm({ residentOn: 'host-z' }), /residentOn.*unknown host "host-z"/],
    ['duplicate host names', { ...base, hosts: [{ name: 'host-a' }, { name: 'host-a' }] }, /duplicate name "host-a"/],
    ['duplicate VM names', { ...base, vms: [vm, vm] }, /duplicate name "vm-1"/],
    [
      'duplicate SR names',
      { ...base, srs: [...base.srs!, { name: 'v3', type: 'nfs', shared: true }] },
      /duplicate name "v3"/,
    ],
    [
      'duplicate device',
      withVm({
        vbds: [
          { device: 'xvda', sr: 'v3' },
          { device: 'xvda', sr: 'v1' },
        ],
      }),
      /device "xvda" twice/,
    ],
    ['VBD naming a missing SR', withVm({ vbds: [{ device: 'xvda', sr: 'nowhere' }] }), /xvda: unknown SR "nowhere"/],
    ['negative memory', withVm({ memoryMiB: -1 }), /memoryMiB/],
    [
      'local SR not reachable from residentOn',
      {
        ...base,
        srs: [...base.srs!, { name: 'local-b', type: 'nfs', shared: false, host: 'host-b' }],
        vms: [{ ...vm, vbds: [{ device: 'xvda', sr: 'local-b' }] }],
      },
      /SR "local-b" is local to host-b, not reachable from host-a/,
    ],
    ['non-shared SR without host', { ...base, srs: [{ name: 'v3', type: 'zfs-vol', shared: false }] }, /needs `host`/],
    [
      'SR on an unknown host',
      { ...base, srs: [...base.srs!, { name: 'l', type: 'nfs', host: 'host-q' }] },
      /unknown host "host-q"/,
    ],
    ['disk without SR', withVm({ vbds: [{ device: 'xvda' }] }), /needs `sr`/],
    ['bad SM version', { ...base, sms: [{ type: 'nfs', requiredApiVersion: 'three' }] }, /version/],
    ['unknown field', { ...base, colour: 'blue' } as PoolInput, /colour/],
    [
      'a named VDI used twice by one VM',
      withVm({
        vbds: [
          { device: 'xvda', sr: 'v3', vdi: 'd', mode: 'RO' },
          { device: 'xvdb', sr: 'v3', vdi: 'd', mode: 'RO' },
        ],
      }),
      /uses VDI "d" twice/,
    ],
    [
      'a named VDI shared read-write',
      {
        ...base,
        vms: [
          { ...vm, vbds: [{ device: 'xvda', sr: 'v3', vdi: 'd', mode: 'RW' }] },
          { ...vm, name: 'vm-2', vbds: [{ device: 'xvda', sr: 'v3', vdi: 'd', mode: 'RO' }] },
        ],
      },
      /VDI "d" is shared by vm-1, vm-2 but not read-only in every use/,
    ],
    [
      'a fault naming an unknown atom',
      { ...base, faults: [{ atom: 'VBD_activte', effect: 'fail' }] } as unknown as PoolInput,
      /faults\.0\.atom/,
    ],
    [
      'a fault on an unknown host',
      { ...base, faults: [{ atom: 'VBD_activate', host: 'nohost', effect: 'fail' }] },
      /fault on unknown host "nohost"/,
    ],
    [
      'a fault on an unknown VM',
      { ...base, faults: [{ atom: 'VBD_activate', vm: 'novm', effect: 'hang' }] },
      /fault on unknown VM "novm"/,
    ],
  ])('refuses %s with one line naming the problem', (_name, input, pattern) => {
    const err = poolError(typeof input === 'string' ? input : JSON.stringify(input));
    expect(err.type).toBe(FailureType.BadRequest);
    expect(err.message).not.toMatch(/[\r\n]/);
    expect(err.message).toMatch(/^pool file bad\.yaml: /);
    expect(err.message).toMatch(pattern);
  });

  it('accepts an SR type with no SM record; its disks never attach early', () => {
    const pool = parsePool(
      JSON.stringify({
        ...base,
        srs: [...base.srs!, { name: 'odd', type: 'gluster', shared: true }],
        vms: [{ ...vm, vbds: [{ device: 'xvda', sr: 'odd' }] }],
      }),
      'ok.yaml',
    );
    expect(canAttachEarly(pool, pool.vms[0]!.vbds[0]!, 'host-b')).toMatchObject({ early: false, reason: 'no-sm' });
  });

  it('refuses an unreadable file with one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'liveshift-unit-'));
    try {
      expect(() => loadPoolFile(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: cannot be read$/);
      writeFileSync(join(dir, 'p.yaml'), 'name: [');
      expect(() => loadPoolFile(join(dir, 'p.yaml'))).toThrow(LiveshiftError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('validateRequest', () => {
  const pool = smallPool({
    hosts: [{ name: 'host-a' }, { name: 'host-b' }],
    srs: [...base.srs!, { name: 'local-a', type: 'nfs', shared: false, host: 'host-a' }],
    vms: [
      vm,
      {
        name: 'pinned',
        residentOn: 'host-a',
        memoryMiB: 64,
        vbds: [
          { device: 'xvda', sr: 'v3' },
          { device: 'xvdb', sr: 'local-a' },
        ],
      },
    ],
  });

  it('accepts a valid request and returns the VM', () => {
    const v = validateRequest(pool, { vm: 'vm-1', to: 'host-b', plan: 'early-attach' });
    expect(v.ok && v.vm.name).toBe('vm-1');
  });

  it.each([
    ['unknown VM', { vm: 'ghost', to: 'host-b' }, /unknown VM "ghost" \(known: vm-1, pinned\)/],
    ['unknown host', { vm: 'vm-1', to: 'host-z' }, /unknown host "host-z" \(known: host-a, host-b\)/],
    ['same source and destination', { vm: 'vm-1', to: 'host-a' }, /already runs on host-a/],
    [
      'SR not reachable from the destination',
      { vm: 'pinned', to: 'host-b' },
      /xvdb: SR "local-a" is not reachable from host-b/,
    ],
  ])('refuses %s with a one-line message', (_name, req, pattern) => {
    const v = validateRequest(pool, { ...req, plan: 'legacy' });
    expect(v.ok).toBe(false);
    const message = v.ok ? '' : v.message;
    expect(message).not.toMatch(/[\r\n]/);
    expect(message).toMatch(pattern);
  });
});
