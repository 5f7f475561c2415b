// `liveshift evacuate <host>`: move every VM off a host within the caps, print a table per VM.
import { capsText, startEvacuation, type EvacuationHandle } from '../../client/evacuations';
import { planKindSchema } from '../../domain/request';
import {
  evacuationProgressQuery,
  type EvacuatedVm,
  type EvacuationResult,
} from '../../workflows/evacuation-definitions';
import type { Client } from '@temporalio/client';
import { connectClient, openState } from '../context';
import { watchEvacuation } from '../watch/evacuation';
import { EXIT, UsageError } from '../errors';
import { ms, table } from '../format';

export interface EvacuateOptions {
  concurrency?: string;
  perDestination?: string;
  poolLimit?: string;
  plan: string;
  continueAsNewAfter?: string;
  json?: boolean;
  wait: boolean;
  watch?: boolean;
}

/** A flag's number, or undefined for the default; the request's schema says what is allowed. */
const num = (flag: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v.trim())) throw new UsageError(`${flag} must be a whole number, got "${v}"`);
  return Number(v);
};

export function evacuationInput(host: string, o: EvacuateOptions) {
  const plan = planKindSchema.safeParse(o.plan);
  if (!plan.success) throw new UsageError(`--plan must be early-attach or legacy, got "${o.plan}"`);
  return {
    host,
    plan: plan.data,
    caps: {
      perSource: num('--concurrency', o.concurrency),
      perDestination: num('--per-destination', o.perDestination),
      pool: num('--pool-limit', o.poolLimit),
    },
    continueAsNewAfter: num('--continue-as-new-after', o.continueAsNewAfter),
  };
}

export async function evacuateCommand(host: string, o: EvacuateOptions): Promise<number> {
  const input = evacuationInput(host, o);
  const sim = openState();
  const snapshot = sim.snapshot();
  sim.close();
  const client = await connectClient();
  const handle = await startEvacuation(client, snapshot, input);
  if (!o.wait) {
    console.log(o.json ? JSON.stringify({ workflowId: handle.workflowId }) : `started ${handle.workflowId}`);
    return EXIT.ok;
  }
  if (!o.json) console.error(`liveshift: evacuating ${host} as ${handle.workflowId}`);
  const result = o.watch ? await watched(client, handle) : await linesOnStderr(handle, o.json === true);
  if (result === null) return EXIT.interrupted;
  console.log(o.json ? JSON.stringify(result) : evacuationTable(result));
  return result.outcome === 'evacuated' ? EXIT.ok : EXIT.failed;
}

async function linesOnStderr(handle: EvacuationHandle, json: boolean): Promise<EvacuationResult> {
  const progress = json ? undefined : reportFinished(handle);
  const result = await handle.result().finally(() => progress?.stop());
  progress?.flush(result);
  return result;
}

/** The live view on stdout; null when Ctrl-C stopped the watching (not the evacuation). */
async function watched(client: Client, handle: EvacuationHandle): Promise<EvacuationResult | null> {
  const end = await watchEvacuation(client, handle);
  if (end.kind === 'finished') return end.result;
  console.error(
    `liveshift: stopped watching; the evacuation goes on (liveshift abort ${handle.workflowId} stops new migrations)`,
  );
  // The pending result() call would hold the process open.
  await client.connection.close();
  return null;
}

/** Progress on long work: one stderr line per VM as it ends (the rest from the result at the end). */
function reportFinished(handle: EvacuationHandle) {
  let seen = 0;
  const print = (finished: EvacuatedVm[], total: number) => {
    finished.slice(seen).forEach((v, i) => {
      const downtime = v.downtimeMs === null ? '' : `, downtime ${ms(v.downtimeMs)} ms`;
      console.error(`  ${v.vm} → ${v.to ?? '-'}: ${v.outcome}${downtime} (${seen + i + 1}/${total})`);
    });
    seen = Math.max(seen, finished.length);
  };
  const timer = setInterval(() => {
    handle
      .query(evacuationProgressQuery)
      .then((p) => print(p.finished, p.total))
      .catch(() => undefined);
  }, 300);
  return {
    stop: () => clearInterval(timer),
    flush: (r: EvacuationResult) => print(r.vms, r.vms.length),
  };
}

export function evacuationTable(r: EvacuationResult): string {
  const rows = r.vms.map((v) => [
    v.vm,
    v.to ?? '-',
    v.plan,
    `${v.earlyAttached.length}/${v.disks}`,
    v.downtimeMs === null ? '-' : ms(v.downtimeMs),
    v.outcome,
    v.reason ?? '',
  ]);
  const head = ['VM', 'destination', 'plan', 'disks early/total', 'downtime ms', 'outcome', 'reason'];
  const moved = r.vms.filter((v) => v.outcome === 'migrated');
  const downtimes = moved.map((v) => v.downtimeMs ?? 0).sort((a, b) => a - b);
  const p50 = downtimes[Math.max(0, Math.ceil(downtimes.length / 2) - 1)] ?? 0;
  const totals =
    `${r.host}: ${r.outcome} — ${moved.length}/${r.vms.length} VMs moved in ${((r.endedAt - r.startedAt) / 1000).toFixed(1)} s ` +
    `(caps: ${capsText(r)}; ${r.runs} run${r.runs === 1 ? '' : 's'})` +
    (moved.length > 0 ? `; downtime p50 ${ms(p50)} ms, max ${ms(downtimes.at(-1) ?? 0)} ms` : '');
  return `${table(head, rows)}\n${totals}`;
}
