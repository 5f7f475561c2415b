// Shared helpers for the unit tests: a small pool (tiny latencies), a fresh SQLite state file per
// test, and atom calls picked out of a real plan.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atomsOf, type AtomCall, type AtomName } from '../../domain/atoms';
import { LiveshiftError, type FailureType } from '../../domain/errors';
import { planMigration, type MigrationPlan } from '../../domain/planner';
import { poolSchema, type Pool, type PoolInput } from '../../domain/pool';
import type { PlanKind } from '../../domain/request';
import { SimPool } from '../../sim/sim-pool';
import { e2ePool } from '../helpers/pools';

export const EXAMPLE_POOL = join(__dirname, '..', '..', 'examples', 'pool.yaml');

/** The e2e pool's hosts and storage, tiny latencies, and one VM with a RW SMAPIv3 and a RO SMAPIv1 disk. */
export function smallPoolInput(overrides: Partial<PoolInput> = {}): PoolInput {
  const vm = {
    name: 'vm-1',
    residentOn: 'host-a',
    memoryMiB: 256,
    vbds: [
      { device: 'xvda', sr: 'v3', mode: 'RW' as const },
      { device: 'xvdb', sr: 'v1', mode: 'RO' as const },
    ],
  };
  return e2ePool('unit', { timeScale: 0.001, vms: [vm], ...overrides });
}

export const smallPool = (overrides: Partial<PoolInput> = {}): Pool => poolSchema.parse(smallPoolInput(overrides));

const opened: { sim: SimPool; dir: string }[] = [];

/** A fresh temp-dir state file, initialised with `pool`. Call `closeSims()` in afterEach. */
export function openSim(pool: Pool = smallPool()): SimPool {
  const dir = mkdtempSync(join(tmpdir(), 'liveshift-unit-'));
  const sim = SimPool.open(join(dir, 'pool.db'));
  opened.push({ sim, dir });
  sim.initialise(pool);
  return sim;
}

/** Opens a second SimPool on an existing file (as another host process would). */
export function reopen(sim: SimPool): SimPool {
  const again = SimPool.open(sim.file);
  opened.push({ sim: again, dir: '' });
  return again;
}

export function closeSims(): void {
  for (const { sim, dir } of opened.splice(0)) {
    if (sim.db.open) sim.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

export interface Planned {
  m: MigrationPlan;
  calls: AtomCall[];
  /** The unique call with that atom (and device / host / phase when given). */
  pick: (atom: AtomName, where?: { device?: string; host?: string; phase?: AtomCall['phase'] }) => AtomCall;
}

export function planned(pool: Pool, vm = 'vm-1', to = 'host-b', plan: PlanKind = 'early-attach'): Planned {
  const m = planMigration(pool, { vm, to, plan }, 'mig-1');
  const calls = atomsOf(m.plan);
  const pick: Planned['pick'] = (atom, where = {}) => {
    const found = calls.filter(
      (c) =>
        c.atom === atom &&
        (where.device === undefined || c.vbd?.device === where.device) &&
        (where.host === undefined || c.host === where.host) &&
        (where.phase === undefined || c.phase === where.phase),
    );
    if (found.length !== 1) throw new Error(`expected one ${atom} ${JSON.stringify(where)}, found ${found.length}`);
    return found[0]!;
  };
  return { m, calls, pick };
}

/** Runs `fn`, expecting a LiveshiftError of `type`; returns it for further checks. */
export async function expectFailure(fn: () => unknown, type: FailureType): Promise<LiveshiftError> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof LiveshiftError)) throw new Error(`expected a LiveshiftError ${type}, got ${String(caught)}`);
  if (caught.type !== type) throw new Error(`expected ${type}, got ${caught.type}: ${caught.message}`);
  return caught;
}

/** Every row of the mutable state tables, to prove an operation changed nothing. */
export function stateDump(sim: SimPool): unknown {
  const all = (t: string) => sim.db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all();
  return {
    domains: all('domains'),
    attachments: all('vdi_attachments'),
    extra: all('vm_extra'),
    events: all('events'),
  };
}
