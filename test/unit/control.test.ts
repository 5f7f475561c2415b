// The point of no return of a directly dispatched window, decided in the pool state: an abort and
// the runner's commit to the destination unpause can never both win, whichever comes first.
import { afterEach, describe, expect, it } from 'vitest';
import { closeSims, openSim, reopen } from './fixtures';

afterEach(closeSims);

describe('migration control', () => {
  it('an abort before the commit wins: the commit refuses with its reason', () => {
    const sim = openSim();
    expect(sim.abortRequested('mig-1')).toBeNull();
    expect(sim.requestAbort('mig-1', 'operator request')).toBe('accepted');
    expect(sim.abortRequested('mig-1')).toBe('operator request');
    expect(sim.commit('mig-1')).toBe('operator request');
  });

  it('a commit before the abort wins: the abort is too late, and a repeated commit still holds', () => {
    const sim = openSim();
    expect(sim.commit('mig-2')).toBeNull();
    expect(sim.requestAbort('mig-2', 'too slow')).toBe('too-late');
    expect(sim.abortRequested('mig-2')).toBeNull();
    expect(sim.commit('mig-2')).toBeNull();
  });

  it('is shared by every process that opens the state file, and kept per migration', () => {
    const orchestrator = openSim();
    const host = reopen(orchestrator);
    expect(orchestrator.requestAbort('mig-3', 'maintenance')).toBe('accepted');
    expect(host.commit('mig-3')).toBe('maintenance');
    expect(host.commit('mig-4')).toBeNull();
    expect(orchestrator.requestAbort('mig-4', 'late')).toBe('too-late');
  });

  it('registers one address per host agent; the latest registration wins', () => {
    const sim = openSim();
    expect(sim.agentUrl('host-a')).toBeUndefined();
    sim.registerAgent('host-a', 'http://127.0.0.1:4001', 101);
    sim.registerAgent('host-a', 'http://127.0.0.1:4002', 102);
    expect(reopen(sim).agentUrl('host-a')).toBe('http://127.0.0.1:4002');
  });
});
