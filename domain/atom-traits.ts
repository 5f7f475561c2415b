// Per-atom facts in one table (after xenopsd's per-atomic tables): what the latency model charges,
// where an atom may run relative to the downtime window, whether an abort may cut it short, which
// atom is the point of no return, and how long one attempt and all attempts may take. The planner,
// the interpreter, the predictions, the timeouts and docs/timeouts.md all read this table.
import type { AtomName, Phase } from './atoms';

export type StorageOp = 'attach' | 'activate' | 'deactivate' | 'detach';

/** Where an atom belongs: before or after the pause only, inside it only, or either. */
export type WindowRule = 'outside' | 'inside' | 'either';

export interface AtomTimeouts {
  /** One attempt. */
  startToCloseMs: number;
  /** All attempts, waiting for the host included: a host whose worker is gone fails within this. */
  scheduleToCloseMs: number;
  /** Long atoms report progress; a hung or dead host is noticed within this. */
  heartbeatMs?: number;
}

export interface AtomTraits {
  /** The latency model: a storage operation (priced per SR type), a memory copy, or a fixed host cost. */
  cost: { storage: StorageOp } | { memory: 'precopy' | 'final' } | { hostMs: number };
  window: WindowRule;
  /** An abort cancels it while it runs (it takes no effect when cut short). */
  abortable: boolean;
  /** Its end opens the downtime window. */
  opensWindow: boolean;
  /** Dispatching it in this phase is the point of no return: from then on, only forward. */
  pointOfNoReturnIn?: Phase;
  timeouts: AtomTimeouts;
}

const SHORT: AtomTimeouts = { startToCloseMs: 2_000, scheduleToCloseMs: 8_000 };
const base = { abortable: false, opensWindow: false };

export const ATOM_TRAITS: Record<AtomName, AtomTraits> = {
  VM_create: {
    ...base,
    cost: { hostMs: 150 },
    window: 'outside',
    timeouts: { startToCloseMs: 5_000, scheduleToCloseMs: 30_000 },
  },
  // ~300 ms each: why upstream moved VIF plugging out of the downtime window.
  VIF_plug: {
    ...base,
    cost: { hostMs: 300 },
    window: 'outside',
    timeouts: { startToCloseMs: 5_000, scheduleToCloseMs: 30_000 },
  },
  // A database flag, set for every VBD before the pause.
  VBD_set_active: {
    ...base,
    cost: { hostMs: 5 },
    window: 'outside',
    timeouts: { startToCloseMs: 2_000, scheduleToCloseMs: 20_000 },
  },
  VBD_attach: {
    ...base,
    cost: { storage: 'attach' },
    window: 'either',
    timeouts: { startToCloseMs: 30_000, scheduleToCloseMs: 60_000, heartbeatMs: 2_000 },
  },
  VM_precopy: {
    ...base,
    cost: { memory: 'precopy' },
    window: 'outside',
    abortable: true,
    timeouts: { startToCloseMs: 600_000, scheduleToCloseMs: 900_000, heartbeatMs: 2_000 },
  },
  VM_suspend: { ...base, cost: { hostMs: 30 }, window: 'inside', opensWindow: true, timeouts: SHORT },
  VM_memory_final: {
    ...base,
    cost: { memory: 'final' },
    window: 'inside',
    timeouts: { startToCloseMs: 60_000, scheduleToCloseMs: 90_000, heartbeatMs: 2_000 },
  },
  VBD_deactivate: { ...base, cost: { storage: 'deactivate' }, window: 'either', timeouts: SHORT },
  VM_rename: { ...base, cost: { hostMs: 5 }, window: 'inside', timeouts: SHORT },
  VBD_activate: { ...base, cost: { storage: 'activate' }, window: 'either', timeouts: SHORT },
  VM_unpause: { ...base, cost: { hostMs: 20 }, window: 'inside', pointOfNoReturnIn: 'downtime', timeouts: SHORT },
  // Detach and destroy run after the handover (or in a rollback's clean-up), never in the pause.
  VBD_detach: {
    ...base,
    cost: { storage: 'detach' },
    window: 'outside',
    timeouts: { startToCloseMs: 30_000, scheduleToCloseMs: 600_000, heartbeatMs: 2_000 },
  },
  VM_destroy: {
    ...base,
    cost: { hostMs: 250 },
    window: 'outside',
    timeouts: { startToCloseMs: 10_000, scheduleToCloseMs: 600_000 },
  },
};

export const traitsOf = (atom: AtomName): AtomTraits => ATOM_TRAITS[atom];

/** Is dispatching this atom, in this phase, the point of no return? */
export const isPointOfNoReturn = (call: { atom: AtomName; phase: Phase }): boolean =>
  ATOM_TRAITS[call.atom].pointOfNoReturnIn === call.phase;
