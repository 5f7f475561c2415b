// Writes docs/timeouts.md from the one timeout table (workflows/atom-options.ts), so the documented
// bounds are the ones the code uses:  npm run docs:timeouts
import { writeFileSync } from 'node:fs';
import { ATOM_NAMES } from '../domain/atoms';
import { ATOM_TRAITS } from '../domain/atom-traits';
import { PHASE_POLICY } from '../domain/phase-policy';

const s = (ms: number | undefined) => (ms === undefined ? '—' : `${ms / 1000} s`);

const atoms = ATOM_NAMES.map((a) => {
  const t = ATOM_TRAITS[a].timeouts;
  return `| \`${a}\` | ${s(t.startToCloseMs)} | ${s(t.heartbeatMs)} | ${s(t.scheduleToCloseMs)} |`;
});
const phases = Object.entries(PHASE_POLICY).map(([phase, { hostWaitMs, retry: r }]) => {
  const backoff = `${s(r.initialMs)} × ${r.coefficient} up to ${s(r.maximumMs)}`;
  return `| ${phase} | ${s(hostWaitMs)} | ${r.maximumAttempts ?? 'unlimited'} | ${backoff} |`;
});

const doc = `# Timeouts and retries

Generated from \`domain/atom-traits.ts\` and \`domain/phase-policy.ts\` by \`npm run docs:timeouts\`. Times are at \`timeScale\` 1
and stretched by the pool's \`timeScale\` when it is above 1.

## Per atom kind

| atom | one attempt (start-to-close) | heartbeat | all attempts (schedule-to-close) |
| --- | --- | --- | --- |
${atoms.join('\n')}

## Per phase

| phase | waiting for the host (schedule-to-start, not retried) | attempts | backoff |
| --- | --- | --- | --- |
${phases.join('\n')}

## What a dead or hung host can cost

* **Hung atom** (the host takes the task and never answers): caught by the heartbeat timeout for
  long atoms (\`VBD_attach\`, \`VM_precopy\`, \`VM_memory_final\`, \`VBD_detach\`), by start-to-close for the
  others, then retried per the phase policy; never longer than the atom's schedule-to-close.
* **Dead host** (no worker polls its queue): the atom fails when its schedule-to-start expires —
  ${s(PHASE_POLICY.prepare.hostWaitMs)} before suspend, ${s(PHASE_POLICY.downtime.hostWaitMs)} inside downtime — and the rollback rules apply.
  A dead destination then also holds each rollback step aimed at it for ${s(PHASE_POLICY.rollback.hostWaitMs)}:
  the VM is back on the source first (restore), and the record names what could not be cleaned
  on the dead host. So a dead destination stalls a migration at most
  ${s((PHASE_POLICY.prepare.hostWaitMs ?? 0) + 2 * (PHASE_POLICY.rollback.hostWaitMs ?? 0))} before suspend
  (one atom, then detach and destroy on it). Inside downtime it keeps the VM paused
  ${s(PHASE_POLICY.downtime.hostWaitMs)} (one atom) plus the restore on the source — unless the destination had already
  been asked to activate disks: then nothing can prove they are inactive there, so liveshift stops
  with outcome \`failed\` after ${s(PHASE_POLICY.rollback.hostWaitMs)} and leaves the VM paused for an operator rather than risk
  two writers on one disk.
* **Restarted worker** (a crash): the lost attempt times out (heartbeat or start-to-close) and the
  retry waits in the queue for the restarted worker, which \`liveshift up\` brings back within a second
  or two — well inside schedule-to-start.
* **After the destination unpause** only cleanup remains: it waits for the source host (no
  schedule-to-start), retrying without an attempt limit, at most ${s(ATOM_TRAITS.VBD_detach.timeouts.scheduleToCloseMs)} per atom; the migration is
  already \`migrated\`.
`;

writeFileSync('docs/timeouts.md', doc);
console.log('wrote docs/timeouts.md');
