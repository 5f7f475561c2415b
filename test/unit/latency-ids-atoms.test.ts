import { describe, expect, it } from 'vitest';
import {
  atomCallSchema,
  atomsOf,
  describeAtom,
  renderPlan,
  Atom,
  Parallel,
  Serial,
  type AtomCall,
} from '../../domain/atoms';
import { hostTaskQueue, migrationWorkflowId, temporaryVmId, vdiId, vmUuid } from '../../domain/ids';
import {
  atomLatencyMs,
  memoryModel,
  PRECOPY_MAX_ROUNDS,
  PRECOPY_STOP_MIB,
  STORAGE_LATENCY_MS,
} from '../../domain/latency';
import { planned, smallPool } from './fixtures';

describe('memoryModel', () => {
  it('sends everything once and nothing in downtime when nothing is dirtied', () => {
    expect(memoryModel(1100, 0, 1100)).toEqual({ roundsMs: [1000], precopyMs: 1000, finalMiB: 0, finalMs: 0 });
  });

  it('converges in shrinking rounds until the dirty set is small', () => {
    const m = memoryModel(4096, 80, 1100);
    expect(m.roundsMs.length).toBeGreaterThan(1);
    expect(m.roundsMs.length).toBeLessThanOrEqual(PRECOPY_MAX_ROUNDS);
    m.roundsMs.slice(1).forEach((ms, i) => expect(ms).toBeLessThan(m.roundsMs[i]!));
    expect(m.finalMiB).toBeLessThanOrEqual(PRECOPY_STOP_MIB);
    expect(m.precopyMs).toBeCloseTo(m.roundsMs.reduce((a, b) => a + b, 0));
    expect(m.finalMs).toBeCloseTo((m.finalMiB / 1100) * 1000);
  });

  it('stops after one round when the dirty rate outruns the network, and caps the final copy at the memory size', () => {
    const m = memoryModel(1000, 5000, 1000);
    expect(m.roundsMs).toEqual([1000]);
    expect(m.finalMiB).toBe(1000);
  });

  it('never exceeds the round limit', () => {
    expect(memoryModel(1_000_000, 1090, 1100).roundsMs.length).toBe(PRECOPY_MAX_ROUNDS);
  });
});

describe('atomLatencyMs', () => {
  const pool = smallPool({
    latencyMs: { nfs: { attach: 999 } },
    srs: [
      { name: 'v3', type: 'zfs-vol', shared: true },
      { name: 'v1', type: 'nfs', shared: true },
      { name: 'x', type: 'odd', shared: true },
    ],
  });
  const { pick } = planned(pool);
  const withType = (call: AtomCall, srType: string): AtomCall => ({ ...call, vbd: { ...call.vbd!, srType } });

  it('uses the SMAPIv3 / SMAPIv1 defaults and the per-type overrides', () => {
    expect(atomLatencyMs(pool, pick('VBD_attach', { device: 'xvda' }))).toBe(STORAGE_LATENCY_MS.smapiv3.attach);
    expect(atomLatencyMs(pool, pick('VBD_activate', { device: 'xvda' }))).toBe(STORAGE_LATENCY_MS.smapiv3.activate);
    expect(atomLatencyMs(pool, pick('VBD_attach', { device: 'xvdb' }))).toBe(999); // override
    expect(atomLatencyMs(pool, pick('VBD_detach', { device: 'xvdb' }))).toBe(STORAGE_LATENCY_MS.smapiv1.detach); // not overridden
    expect(atomLatencyMs(pool, withType(pick('VBD_attach', { device: 'xvda' }), 'odd'))).toBe(
      STORAGE_LATENCY_MS.smapiv1.attach,
    ); // no SM
    expect(STORAGE_LATENCY_MS.smapiv3.attach).toBeGreaterThan(STORAGE_LATENCY_MS.smapiv1.attach);
  });

  it('models host operations and memory copies', () => {
    expect(atomLatencyMs(pool, pick('VIF_plug'))).toBe(300);
    expect(atomLatencyMs(pool, pick('VM_rename'))).toBe(5);
    const model = memoryModel(256, 20, 1100);
    expect(atomLatencyMs(pool, pick('VM_precopy'))).toBeCloseTo(model.precopyMs);
    expect(atomLatencyMs(pool, pick('VM_memory_final'))).toBeCloseTo(model.finalMs);
    expect(atomLatencyMs(pool, { ...pick('VM_precopy'), memory: undefined })).toBe(0);
  });
});

describe('ids', () => {
  it('derives a stable, well-formed uuid per pool and VM name', () => {
    const u = vmUuid('demo', 'web-01');
    expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(vmUuid('demo', 'web-01')).toBe(u);
    expect(vmUuid('demo', 'web-02')).not.toBe(u);
    expect(vmUuid('other', 'web-01')).not.toBe(u);
  });

  it('builds the temporary id as upstream does: first 24 characters + 000000000001', () => {
    const u = vmUuid('demo', 'db-01');
    const t = temporaryVmId(u);
    expect(t).toHaveLength(36);
    expect(t.slice(0, 24)).toBe(u.slice(0, 24));
    expect(t.slice(24)).toBe('000000000001');
    expect(t).not.toBe(u);
  });

  it('names VDIs, workflows and task queues', () => {
    expect(vdiId('vm-1', 'xvda')).toBe('vm-1-xvda');
    expect(vdiId('vm-1', 'xvdb', 'base-image')).toBe('base-image');
    expect(migrationWorkflowId('u-1')).toBe('migrate-u-1');
    expect(hostTaskQueue('host-a')).toBe('host-host-a');
  });
});

describe('atoms', () => {
  const { calls } = planned(smallPool());
  const [a, b, c] = calls as [AtomCall, AtomCall, AtomCall];

  it('flattens Serial/Parallel in interpretation order and renders an indented tree', () => {
    const plan = Serial('top', [Atom(a), Parallel('both', [Atom(b), Atom(c)])]);
    expect(atomsOf(plan)).toEqual([a, b, c]);
    expect(renderPlan(plan)).toEqual([
      'Serial top',
      `  ${describeAtom(a)}`,
      '  Parallel both',
      `    ${describeAtom(b)}`,
      `    ${describeAtom(c)}`,
    ]);
  });

  it('describes an atom on one line with its device or VIF', () => {
    const attach = calls.find((x) => x.atom === 'VBD_attach')!;
    expect(describeAtom(attach)).toBe(`VBD_attach ${attach.vbd!.device} @host-b`);
    expect(describeAtom(calls.find((x) => x.atom === 'VIF_plug')!)).toBe('VIF_plug vif0 @host-b');
    expect(describeAtom(calls.find((x) => x.atom === 'VM_suspend')!)).toBe('VM_suspend @host-a');
  });

  it('every planned call satisfies the wire schema', () => {
    for (const call of calls) expect(atomCallSchema.parse(call)).toEqual(call);
  });
});
