// Warming the downtime window's code before a process serves it. The first migrations a freshly
// started host or orchestrator process runs spent 9–17 ms idle in their window instead of 4–7 ms:
// V8 runs new code in its interpreter until a function has been called often enough to compile.
// A process therefore migrates a VM back and forth between two agents of its own, on a private
// in-memory pool with near-zero latencies, through the same code the window uses (runner, client,
// agent, plan stream, interpreter, the simulated hypervisor). Functions are compiled per process,
// not per object, so the real agent and runner profit. Nothing touches the real pool state.
import { atomsOf } from '../domain/atoms';
import { planMigration } from '../domain/planner';
import { poolSchema, type Pool } from '../domain/pool';
import { SimPool } from '../sim/sim-pool';
import { TWO_SHARED_SRS } from '../sim/storage-presets';
import { AgentClient } from './client';
import { runDirect } from './delegate';
import { startAgent } from './server';

/** Long enough for a few dozen windows; a process started cold pays it once, a standby for free. */
export const WARM_UP_BUDGET_MS = 1000;

const HOSTS = ['warm-a', 'warm-b'] as const;

function warmPool(): Pool {
  return poolSchema.parse({
    name: 'warm-up',
    timeScale: 0.0001,
    hosts: HOSTS.map((name) => ({ name })),
    ...TWO_SHARED_SRS,
    vms: [
      {
        name: 'warm',
        residentOn: HOSTS[0],
        memoryMiB: 64,
        vbds: [
          { device: 'xvda', sr: 'v3', mode: 'RW' },
          { device: 'xvdb', sr: 'v3', mode: 'RO' },
          { device: 'xvdc', sr: 'v1', mode: 'RW' },
        ],
      },
    ],
  });
}

/** Migrates the private VM back and forth until the budget is spent; returns how many windows ran. */
export async function warmUp(budgetMs = WARM_UP_BUDGET_MS): Promise<number> {
  const pool = warmPool();
  const sim = SimPool.open(':memory:');
  sim.initialise(pool);
  const agents = await Promise.all(
    HOSTS.map((host) => startAgent({ host, toolstack: sim, control: sim, bind: '127.0.0.1', port: 0 })),
  );
  agents.forEach((a, i) => sim.registerAgent(HOSTS[i]!, a.url, process.pid));
  const client = new AgentClient(sim);
  const deadline = performance.now() + budgetMs;
  let windows = 0;
  try {
    for (let i = 0; performance.now() < deadline; i++) {
      const plan = i % 2 === 0 ? 'early-attach' : 'legacy';
      const m = planMigration(sim.snapshot(), { vm: 'warm', to: HOSTS[(i + 1) % 2]!, plan }, `warm-up-${i}`);
      for (const phase of [m.phases.prepare, m.phases.precopy])
        for (const c of atomsOf(phase.plan)) await sim.run(c, {});
      const report = await runDirect(m.phases.downtime.plan, pool.timeScale, { client });
      if (report.failure) throw new Error(`warm-up window failed: ${report.failure.message}`);
      for (const c of atomsOf(m.phases.cleanup.plan)) await sim.run(c, {});
      windows++;
    }
  } finally {
    await Promise.all(agents.map((a) => a.close()));
    sim.close();
  }
  return windows;
}
