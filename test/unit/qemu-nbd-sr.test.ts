// The NBD SR without QEMU: the pool file's `srs[].qemu.transport`, the early-attach decision it
// leaves alone, what each SR's qemu-storage-daemon exports and how it is started, and the disks
// a guest gets on each kind of SR.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canAttachEarly } from '../../domain/early-attach';
import { poolSchema, srTransport, type Pool, type PoolInput } from '../../domain/pool';
import { nbdExports } from '../../qemu/boot';
import { storageDaemonArgv } from '../../qemu/storage-daemon';
import { imageNode, vmDisks, vmOf } from '../../qemu/vm-spec';
import { loadPoolFile } from '../../sim/pool-file';
import { EXAMPLE_POOL } from './fixtures';

const QEMU_POOL = join(__dirname, '..', '..', 'examples', 'qemu-pool.yaml');
const STATE = '/s/pool.db';

describe('the pool file: srs[].qemu.transport', () => {
  it('defaults to file and reads nbd', () => {
    expect(loadPoolFile(EXAMPLE_POOL).srs.every((sr) => sr.qemu.transport === 'file')).toBe(true);
    const pool = loadPoolFile(QEMU_POOL);
    expect(pool.srs.map((sr) => [sr.name, sr.qemu.transport])).toEqual([
      ['shared-zfs', 'nbd'],
      ['nfs', 'file'],
    ]);
  });

  it('refuses an unknown transport or setting', () => {
    const sr = (qemu: unknown) => ({
      name: 'p',
      hosts: [{ name: 'h' }],
      srs: [{ name: 's', type: 't', shared: true, qemu }],
    });
    expect(poolSchema.safeParse(sr({ transport: 'iscsi' })).success).toBe(false);
    expect(poolSchema.safeParse(sr({ transport: 'nbd', port: 10809 })).success).toBe(false);
    expect(poolSchema.safeParse(sr({ transport: 'nbd' })).success).toBe(true);
  });

  it('counts an SR recorded before transports existed as file', () => {
    expect(srTransport({ srs: [{ name: 'old' } as never] }, 'old')).toBe('file');
  });

  it('leaves the early-attach decision to the SM records: the same with either transport', () => {
    const pool = loadPoolFile(QEMU_POOL);
    const flipped: Pool = {
      ...pool,
      srs: pool.srs.map((sr) => ({ ...sr, qemu: { transport: sr.qemu.transport === 'nbd' ? 'file' : 'nbd' } })),
    };
    const decide = (p: Pool) => vmOf(p, 'counter-01').vbds.map((v) => canAttachEarly(p, v, 'host-b'));
    expect(decide(pool).map((d) => [d.device, d.early, d.reason])).toEqual([
      ['xvda', true, 'smapiv3'],
      ['xvdb', false, 'sm-below-3.0'],
    ]);
    expect(decide(flipped)).toEqual(decide(pool));
  });
});

/** Two qemu VMs sharing a read-only VDI on the NBD SR, and a sim VM with a disk there too. */
const mixed: PoolInput = {
  name: 'mixed',
  hosts: [{ name: 'qa', backend: 'qemu' }, { name: 'qb', backend: 'qemu' }, { name: 'sim' }],
  srs: [
    { name: 'net', type: 'nfs', shared: true, qemu: { transport: 'nbd' } },
    { name: 'dir', type: 'nfs', shared: true },
  ],
  vms: [
    {
      name: 'q1',
      residentOn: 'qa',
      memoryMiB: 64,
      vbds: [
        { device: 'xvda', sr: 'net' },
        { device: 'xvdb', sr: 'net', mode: 'RO', vdi: 'base' },
      ],
    },
    {
      name: 'q2',
      residentOn: 'qb',
      memoryMiB: 64,
      vbds: [
        { device: 'xvda', sr: 'net', mode: 'RO', vdi: 'base' },
        { device: 'xvdb', sr: 'dir' },
      ],
    },
    { name: 's1', residentOn: 'sim', memoryMiB: 64, vbds: [{ device: 'xvda', sr: 'net' }] },
  ],
};

describe("an NBD SR's storage daemon", () => {
  const pool = poolSchema.parse(mixed);

  it("exports each VDI of a qemu host's VM once, named after the VDI; a file SR has no daemon", () => {
    const exports = nbdExports(pool, STATE);
    expect([...exports.keys()]).toEqual(['net']);
    expect(exports.get('net')).toEqual([
      { vdi: 'q1-xvda', path: '/s/qemu/srs/net/q1-xvda.qcow2' },
      { vdi: 'base', path: '/s/qemu/srs/net/base.qcow2' },
    ]);
  });

  it('opens each image once and exports it writable, after the server; the pid file comes last', () => {
    const exports = nbdExports(pool, STATE).get('net')!;
    const argv = storageDaemonArgv({ dir: '/s/qemu/srs/net', binary: 'qsd', exports });
    const values = (flag: string) => argv.flatMap((a, i) => (argv[i - 1] === flag ? [a] : []));
    expect(values('--blockdev').map((b) => JSON.parse(b) as unknown)).toEqual([
      { driver: 'qcow2', 'node-name': 'vdi0', file: { driver: 'file', filename: '/s/qemu/srs/net/q1-xvda.qcow2' } },
      { driver: 'qcow2', 'node-name': 'vdi1', file: { driver: 'file', filename: '/s/qemu/srs/net/base.qcow2' } },
    ]);
    expect(JSON.parse(values('--nbd-server')[0]!)).toEqual({
      addr: { type: 'unix', path: '/s/qemu/srs/net/nbd.sock' },
    });
    expect(values('--export').map((e) => JSON.parse(e) as unknown)).toEqual([
      { type: 'nbd', id: 'exp0', 'node-name': 'vdi0', name: 'q1-xvda', writable: true },
      { type: 'nbd', id: 'exp1', 'node-name': 'vdi1', name: 'base', writable: true },
    ]);
    expect(argv.indexOf('--nbd-server')).toBeLessThan(argv.indexOf('--export'));
    expect(argv.slice(-2)).toEqual(['--pidfile', '/s/qemu/srs/net/qsd.pid']);
    expect(values('--chardev')).toEqual(['socket,id=qmp,path=/s/qemu/srs/net/qsd-qmp.sock,server=on,wait=off']);
  });

  it("gives a guest an NBD client of the VDI's export on an NBD SR, the qcow2 file on a file SR", () => {
    const [shared, local] = vmDisks(pool, STATE, vmOf(pool, 'q2'));
    expect(imageNode('vdi-xvda', shared!)).toEqual({
      driver: 'nbd',
      'node-name': 'vdi-xvda',
      server: { type: 'unix', path: '/s/qemu/srs/net/nbd.sock' },
      export: 'base',
    });
    expect(imageNode('vdi-xvdb', local!)).toEqual({
      driver: 'qcow2',
      'node-name': 'vdi-xvdb',
      file: { driver: 'file', filename: '/s/qemu/srs/dir/q2-xvdb.qcow2' },
    });
  });
});
