// What an atom's effect on a QEMU host gets to work with (qemu/toolstack.ts provides it), and
// the helpers every effect shares.
import type { AtomCall } from '../domain/atoms';
import { FailureType, LiveshiftError } from '../domain/errors';
import type { AtomContext } from '../domain/toolstack';
import type { Guest } from './guest';
import type { VmDisk } from './vm-spec';

export interface EffectEnv {
  readonly call: AtomCall;
  readonly ctx: AtomContext;
  /** This VM's guest directory on this host. */
  readonly dir: string;
  /** This VM's guest on this host, connected on first use. */
  guest(): Promise<Guest>;
  /** Starts this VM's incoming guest here (`-S -incoming defer`, a placeholder per disk). */
  startIncoming(): Promise<Guest>;
  /** Ends this VM's QEMU here, if one runs: `quit` (SIGKILL after a bound), or SIGKILL at once. */
  stopGuest(how: 'quit' | 'kill'): Promise<void>;
  disk(device: string): VmDisk;
  /** This VM's guest directory on another host (where its migration socket is). */
  dirOn(host: string): string;
}

/** Returns the event's detail (QEMU's own measurements), if any. */
export type Effect = (env: EffectEnv) => Promise<string | undefined>;

export function vbdOf(call: AtomCall): NonNullable<AtomCall['vbd']> {
  if (!call.vbd) throw new LiveshiftError(FailureType.BadRequest, `${call.atom} needs a VBD`);
  return call.vbd;
}

export const refused = (call: AtomCall, why: string) =>
  new LiveshiftError(FailureType.PreconditionFailed, `${call.atom} on ${call.host}: ${why}`);

/** Per-effect bounds of QEMU waits (the atom's own timeouts, domain/atom-traits.ts, cut in earlier). */
export const WAIT_MS = { precopy: 600_000, switchover: 60_000, short: 10_000 } as const;
