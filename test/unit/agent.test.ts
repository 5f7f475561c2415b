// The host agent and direct dispatch, without a Temporal server: authentication and refusals, a
// plan held until its go, the handover between two hosts' agents, and a host lost in the middle of
// its run that is resumed where it stopped.
import { afterEach, describe, expect, it } from 'vitest';
import { AgentClient } from '../../agent/client';
import { runDirect } from '../../agent/delegate';
import { journalOf } from '../../agent/journal';
import { AgentRefused, AgentUnreachable } from '../../agent/errors';
import type { AgentLine } from '../../agent/protocol';
import { startAgent, type RunningAgent } from '../../agent/server';
import { atomsOf, type Plan } from '../../domain/atoms';
import { atomKey } from '../../domain/interpret';
import { FailureType } from '../../domain/errors';
import type { SimPool } from '../../sim/sim-pool';
import { Secret } from '../../workers/config';
import { closeSims, openSim, planned, smallPool } from './fixtures';

const agents: RunningAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
  closeSims();
});

const pool = smallPool({ timeScale: 0.01 });
const { m } = planned(pool);

async function agentFor(sim: SimPool, host: string, token?: string): Promise<RunningAgent> {
  const agent = await startAgent({
    host,
    toolstack: sim,
    control: sim,
    bind: '127.0.0.1',
    port: 0,
    ...(token ? { token: new Secret(token) } : {}),
  });
  sim.registerAgent(host, agent.url, process.pid);
  agents.push(agent);
  return agent;
}

/** The migration up to the window, run straight on the hosts, so the window's atoms can run. */
async function upToWindow(sim: SimPool, mig = m): Promise<void> {
  for (const phase of [mig.phases.prepare, mig.phases.precopy])
    for (const c of atomsOf(phase.plan)) await sim.run(c, {});
}

/** Slow destination atoms, both agents up, the migration at its window: a host can be lost mid-run. */
async function slowDestinationAtWindow() {
  const slow = smallPool({ timeScale: 1, latencyMs: { 'zfs-vol': { activate: 400 }, nfs: { activate: 400 } } });
  const { m: mig } = planned(slow);
  const sim = openSim(slow);
  await upToWindow(sim, mig);
  await agentFor(sim, 'host-a');
  const destination = await agentFor(sim, 'host-b');
  return { mig, sim, destination };
}

const onHost = (host: string, plan: Plan): Plan => ({
  kind: 'serial',
  label: host,
  steps: atomsOf(plan)
    .filter((c) => c.host === host)
    .map((call) => ({ kind: 'atom' as const, call })),
});

describe('host agent', () => {
  it('refuses a caller without the token, and runs for one that has it', async () => {
    const sim = openSim(pool);
    await agentFor(sim, 'host-b', 'agent-token-1');
    const body = { plan: onHost('host-b', m.phases.prepare.plan), timeScale: 0.01 };
    await expect(new AgentClient(sim).runPlan('host-b', body, () => undefined)).rejects.toThrow(AgentRefused);
    await expect(new AgentClient(sim, new Secret('wrong')).runPlan('host-b', body, () => undefined)).rejects.toThrow(
      /missing or wrong token/,
    );
    const end = await new AgentClient(sim, new Secret('agent-token-1')).runPlan('host-b', body, () => undefined);
    expect(end).toEqual({});
    expect(sim.events('mig-1').some((e) => e.op === 'VM_create' && e.host === 'host-b')).toBe(true);
  });

  it("never runs another host's atoms (a stale address): the caller is told to look again", async () => {
    const sim = openSim(pool);
    const agent = await agentFor(sim, 'host-b');
    sim.registerAgent('host-a', agent.url, process.pid);
    const body = { plan: onHost('host-a', m.phases.precopy.plan), timeScale: 0.01 };
    await expect(new AgentClient(sim).runPlan('host-a', body, () => undefined)).rejects.toThrow(AgentUnreachable);
    expect(sim.events('mig-1')).toEqual([]);
  });

  it('holds a plan until its go; a plan whose turn never comes runs nothing', async () => {
    const sim = openSim(pool);
    await agentFor(sim, 'host-b');
    const client = new AgentClient(sim);
    const held = client.open(
      'host-b',
      { plan: onHost('host-b', m.phases.prepare.plan), timeScale: 0.01 },
      () => undefined,
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.events('mig-1')).toEqual([]);
    held.cancel();
    await new Promise((r) => setTimeout(r, 50));
    expect(sim.events('mig-1')).toEqual([]);
  });
});

describe('direct dispatch of a window', () => {
  it('runs the window host by host, the source handing over to the destination, and reports every atom', async () => {
    const sim = openSim(pool);
    await upToWindow(sim);
    await agentFor(sim, 'host-a');
    await agentFor(sim, 'host-b');
    const report = await runDirect(m.phases.downtime.plan, pool.timeScale, { client: new AgentClient(sim) });
    expect(report.failure).toBeUndefined();
    expect(report.atoms.map((a) => atomKey(a.call)).sort()).toEqual(
      atomsOf(m.phases.downtime.plan).map(atomKey).sort(),
    );
    expect(report.atoms.every((a) => 'result' in a.outcome && a.attempts === 1)).toBe(true);
    expect(sim.runningOn(m.vmUuid)).toEqual(['host-b']);
  });

  it("waits for a host that is not up yet, within the phase's host wait", async () => {
    const sim = openSim(pool);
    await upToWindow(sim);
    await agentFor(sim, 'host-a');
    setTimeout(() => void agentFor(sim, 'host-b'), 300);
    const report = await runDirect(m.phases.downtime.plan, pool.timeScale, { client: new AgentClient(sim) });
    expect(report.failure).toBeUndefined();
    expect(sim.runningOn(m.vmUuid)).toEqual(['host-b']);
  });

  it('resumes a host lost in the middle of its run where it stopped; the atom in flight costs an attempt', async () => {
    const { mig, sim, destination: first } = await slowDestinationAtWindow();
    const started = runDirect(mig.phases.downtime.plan, 1, { client: new AgentClient(sim) });
    // The destination's process dies while VBD_activate xvda runs; a new one registers.
    await until(() => sim.events('mig-1').some((e) => e.op === 'VM_rename'));
    await new Promise((r) => setTimeout(r, 100));
    await first.close();
    await agentFor(sim, 'host-b');
    const report = await started;
    expect(report.failure).toBeUndefined();
    const activate = report.atoms.find((a) => a.call.atom === 'VBD_activate' && a.call.vbd?.device === 'xvda');
    expect(activate?.attempts).toBe(2);
    expect(report.atoms.filter((a) => a.call.atom === 'VM_rename')).toHaveLength(1);
    expect(sim.runningOn(mig.vmUuid)).toEqual(['host-b']);
  });

  it("never sends again what a lost host did but could not report: the hosts' journal says it is done", async () => {
    const { mig, sim, destination: first } = await slowDestinationAtWindow();
    // The late attach's report never reaches the runner (the host died before it left, say).
    class Forgetful extends AgentClient {
      override open(...[host, body, onLine, signal]: Parameters<AgentClient['open']>) {
        const forget = (l: AgentLine) => 'settled' in l && l.settled.key.startsWith('VBD_attach');
        return super.open(host, body, (l) => forget(l) || onLine(l), signal);
      }
    }
    const started = runDirect(mig.phases.downtime.plan, 1, { client: new Forgetful(sim), journal: journalOf(sim) });
    await until(() => sim.events('mig-1').some((e) => e.op === 'VM_rename'));
    await first.close();
    await agentFor(sim, 'host-b');
    const report = await started;
    expect(report.failure).toBeUndefined();
    expect(report.atoms.filter((a) => a.call.atom === 'VBD_attach')).toHaveLength(1);
    // Sent again it would have failed: after the rename there is no temporary domain to attach to.
    expect(sim.events('mig-1').filter((e) => e.op === 'VBD_attach' && e.phase === 'downtime')).toHaveLength(1);
    expect(sim.runningOn(mig.vmUuid)).toEqual(['host-b']);
  });

  it('stops before its first atom when an abort was accepted', async () => {
    const sim = openSim(pool);
    await upToWindow(sim);
    await agentFor(sim, 'host-a');
    await agentFor(sim, 'host-b');
    expect(sim.requestAbort('mig-1', 'maintenance cancelled')).toBe('accepted');
    const report = await runDirect(m.phases.downtime.plan, pool.timeScale, { client: new AgentClient(sim) });
    expect(report.failure).toEqual({ type: FailureType.Aborted, message: 'aborted: maintenance cancelled' });
    expect(report.atoms).toEqual([]);
    expect(sim.runningOn(m.vmUuid)).toEqual(['host-a']);
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
