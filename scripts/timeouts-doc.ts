// Writes docs/timeouts.md from the atom table (domain/atom-traits.ts) and the phase table
// (domain/phase-policy.ts), so the documented bounds are the ones the code uses:
//   npm run docs:timeouts
import { writeFileSync } from 'node:fs';
import { STREAM_SILENCE_MS } from '../agent/protocol';
import { UNREACHABLE_POLL_MS } from '../agent/retry';
import { ATOM_TRAITS } from '../domain/atom-traits';
import { ATOM_NAMES } from '../domain/atoms';
import { PHASE_POLICY } from '../domain/phase-policy';
import { SWITCHOVER_HEARTBEAT_MS } from '../workflows/atom-options';

const s = (ms: number | undefined) => (ms === undefined ? '—' : `${ms / 1000} s`);
const wait = PHASE_POLICY;

const atoms = ATOM_NAMES.map((a) => {
  const t = ATOM_TRAITS[a].timeouts;
  return `| \`${a}\` | ${s(t.startToCloseMs)} | ${s(t.heartbeatMs)} | ${s(t.scheduleToCloseMs)} |`;
});
const phases = Object.entries(PHASE_POLICY).map(([phase, { hostWaitMs, retry: r }]) => {
  const backoff = `${s(r.initialMs)} × ${r.coefficient} up to ${s(r.maximumMs)}`;
  return `| ${phase} | ${s(hostWaitMs)} | ${r.maximumAttempts ?? 'unlimited'} | ${backoff} |`;
});

const doc = `# Timeouts and retries

Generated from \`domain/atom-traits.ts\` and \`domain/phase-policy.ts\` by \`npm run docs:timeouts\`.
Times are at \`timeScale\` 1 and stretched by the pool's \`timeScale\` when it is above 1.

Both ways of reaching a host apply the same bounds. Outside the downtime window each atom is a
Temporal activity on the host's task queue, and the server enforces them; inside it (the downtime
and a rollback's restore: direct dispatch) the switchover runner and the hosts' agents enforce them
with in-process timers. So do they for the first atom (\`VM_create\`) of an evacuation's migration,
which the workflow task that was granted the slot runs direct, in a local activity.

## Per atom kind

| atom | one attempt (start-to-close) | heartbeat | all attempts (schedule-to-close) |
| --- | --- | --- | --- |
${atoms.join('\n')}

## Per phase

| phase | waiting for the host (not an attempt) | attempts | backoff |
| --- | --- | --- | --- |
${phases.join('\n')}

"Waiting for the host" is the activity's schedule-to-start on a task queue; on the direct path it
is how long the runner keeps calling a host whose agent does not answer (every
${UNREACHABLE_POLL_MS} ms, so a host that is back is used at once).

## What a dead or hung host can cost

* **Hung atom** (the host takes it and never answers): caught by the heartbeat timeout for long
  atoms (\`VBD_attach\`, \`VM_precopy\`, \`VM_memory_final\`, \`VBD_detach\`), by start-to-close for the
  others, then retried per the phase policy; never longer than the atom's schedule-to-close. On the
  direct path the host's agent applies these bounds to its own atoms; a host whose agent falls silent
  altogether (no heartbeat line on its stream for ${s(STREAM_SILENCE_MS)}) is treated as lost.
* **Crashed host process**: its hot standby takes over within milliseconds. Inside the window the
  runner reads the pool's event log for what the lost process had done, sends the rest again to the
  standby, and counts one attempt for each atom that was in flight. Outside it, the lost attempt
  times out and the retry waits in the queue for the new process.
* **Dead host** (nothing answers at all): the atom fails when the host wait expires —
  ${s(wait.prepare.hostWaitMs)} before suspend, ${s(wait.downtime.hostWaitMs)} inside the downtime — and the rollback rules apply.
  Each rollback step aimed at a dead destination waits ${s(wait.rollback.hostWaitMs)}: the VM is back on the source
  first (restore), and the record names what could not be cleaned there. So a dead destination
  stalls a migration at most ${s((wait.prepare.hostWaitMs ?? 0) + 2 * (wait.rollback.hostWaitMs ?? 0))} before suspend (one atom, then detach and destroy on it).
  Inside the downtime it keeps the VM paused ${s(wait.downtime.hostWaitMs)} plus the restore on the source — unless
  the destination may already have activated disks: then nothing can prove they are inactive there,
  so liveshift stops with outcome \`failed\` after ${s(wait.rollback.hostWaitMs)} and leaves the VM paused for an
  operator rather than risk two writers on one disk.
* **Lost orchestrator** (its process died in the middle of a window): the switchover activity's
  heartbeat (${s(SWITCHOVER_HEARTBEAT_MS)}) notices, and Temporal runs it again on the restarted orchestrator, from
  the phase's first atom (every atom is idempotent). The hosts cancel what was in flight when the
  runner's connection closed. In the middle of an evacuation migration's first atom it loses the
  workflow task that ran it: once that task times out, the restarted orchestrator asks for the slot
  again (the pool still holds it for the migration, with its destination) and runs the atom again.
* **After the destination unpause** only cleanup remains: it waits for the source host (no host
  wait), retrying without an attempt limit, at most ${s(ATOM_TRAITS.VBD_detach.timeouts.scheduleToCloseMs)} per atom; the migration is
  already \`migrated\`.
`;

writeFileSync('docs/timeouts.md', doc);
console.log('wrote docs/timeouts.md');
