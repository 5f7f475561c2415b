// `liveshift demo --pool examples/qemu-pool.yaml` as an operator runs it: real QEMU guests,
// migrated out with early attach and back with the legacy plan; the demo prints QEMU's own
// figures beside liveshift's and proves from the guest's counter that nothing was lost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/temporal-server';
import { killQemuGuests } from '../../qemu/boot';
import { guestDirs } from '../../qemu/layout';
import { runningPid } from '../../qemu/qemu-process';
import { liveshift } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'lsq-demo-'));
const stateFile = join(dir, 'pool.db');

afterAll(async () => {
  await killQemuGuests(stateFile);
  rmSync(dir, { recursive: true, force: true });
});

describe('liveshift demo on QEMU guests', () => {
  it("migrates the guest both ways and prints QEMU's downtime and a continuous counter", async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    const args = ['demo', '--pool', 'examples/qemu-pool.yaml', '--exit', '--port', String(port)];
    const run = await liveshift([...args, '--ui-port', String(uiPort)], { LIVESHIFT_STATE: stateFile });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/counter-01 +early-attach +\d+ +\d+ +\d+ +\d+ +[\d.]+\n/);
    expect(run.stdout).toMatch(/counter-01 +legacy +\d+ +\d+ +\d+ +\d+ +[\d.]+\n/);
    expect(run.stdout).toMatch(/counter-01: guest counter continuous \(1\.\.\d+\)/);
    expect(run.stdout).toContain('invariant violations: 0');
    // The demo's guests end with it: nothing keeps counting in the background.
    expect(guestDirs(stateFile).filter((d) => runningPid(d) !== null)).toEqual([]);
  }, 240_000);
});
