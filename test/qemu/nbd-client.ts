// The tests' own NBD client of a storage daemon's export: a fresh connection each time, so what
// it reads is what the daemon serves to every client, not what one guest's connection has seen.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { parseDiskCounter } from '../../qemu/guest-init';

export const nbdUri = (socket: string, exportName: string): string => `nbd+unix:///${exportName}?socket=${socket}`;

const infoSchema = z.object({ 'virtual-size': z.number() });

function run(binary: string, args: string[]): string {
  const r = spawnSync(binary, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${binary} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

export class NbdClient {
  constructor(
    /** qemu-img; qemu-io is found beside it. */
    private readonly qemuImg: string,
    private readonly socket: string,
    /** A scratch directory for the sector read. */
    private readonly scratch: string,
  ) {}

  /** The export's size as the server announces it. */
  size(exportName: string): number {
    const out = run(this.qemuImg, ['info', '--output=json', nbdUri(this.socket, exportName)]);
    return infoSchema.parse(JSON.parse(out))['virtual-size'];
  }

  /** The counter the guest last wrote to the VDI's first sector. */
  diskCounter(exportName: string): number | undefined {
    const out = join(this.scratch, `${exportName}.sector0`);
    rmSync(out, { force: true });
    const uri = nbdUri(this.socket, exportName);
    run(this.qemuImg, ['dd', '-f', 'raw', '-O', 'raw', 'bs=512', 'count=1', `if=${uri}`, `of=${out}`]);
    return parseDiskCounter(readFileSync(out));
  }

  /** True when 512 bytes of `pattern` are at 1 MiB of the export. */
  holdsPattern(exportName: string, pattern: number): boolean {
    const io = join(dirname(this.qemuImg), 'qemu-io');
    const read = `read -P 0x${pattern.toString(16)} 1M 512`;
    const r = spawnSync(io, ['-r', '-f', 'raw', '-c', read, nbdUri(this.socket, exportName)], { encoding: 'utf8' });
    return r.status === 0 && /read 512\/512/.test(r.stdout) && !/verification failed/i.test(r.stdout);
  }
}
