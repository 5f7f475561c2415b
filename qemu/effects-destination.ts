// The destination's side of a migration on QEMU. VM_create starts the incoming guest with a
// placeholder below each disk and listens; VBD_attach swaps the real image in, before the pause
// (early) or inside it (late) by the same steps; QEMU hands the guest over, paused and with every
// disk still inactive (`late-block-activate`), and activates them itself at `cont`: so
// VBD_activate waits for the handover and VM_unpause's `cont` activates and runs.
import { DEST_CAPS, setCaps } from './migration';
import { refused, vbdOf, WAIT_MS, type Effect } from './effect-env';
import type { Guest } from './guest';
import { migrationUri } from './layout';
import { qemuDetail } from './measure';
import { imageNode, names, throttleNode } from './vm-spec';

/** VM_create: the incoming guest, listening on its migration socket once this returns. */
export const createIncoming: Effect = async (env) => {
  const guest = await env.startIncoming();
  await setCaps(guest.qmp, DEST_CAPS);
  await guest.qmp.execute('migrate-incoming', { uri: migrationUri(env.dir) });
  return undefined;
};

/**
 * VBD_attach: open the image (inactive while the guest is incoming: no lock, no I/O, so the
 * source keeps writing to it) and make it the child of the disk's throttle node in place of the
 * placeholder. On an NBD SR the image is a connection to the SR's storage daemon, which serves
 * the source and the destination at once.
 */
export const attachDisk: Effect = async (env) => {
  const { device } = vbdOf(env.call);
  const n = names(device);
  const guest = await env.guest();
  const state = await guest.runState();
  if (state !== 'inmigrate' && state !== 'paused')
    throw refused(env.call, `the guest is ${state}: only an incoming guest takes a disk`);
  const nodes = await guest.qmp.execute<{ 'node-name': string }[]>('query-named-block-nodes', { flat: true });
  // A retry after the image was opened: the node exists, the reopen below is idempotent.
  if (!nodes.some((node) => node['node-name'] === n.vdi))
    await guest.qmp.execute('blockdev-add', imageNode(n.vdi, env.disk(device)));
  await guest.qmp.execute('blockdev-reopen', { options: [throttleNode(device, n.vdi)] });
  return undefined;
};

/** The incoming guest has the whole state: paused (or running already, on a retry after `cont`). */
async function handedOver(env: Parameters<Effect>[0], guest: Guest): Promise<string> {
  const probe = async () => {
    const state = await guest.runState();
    if (state === 'paused' || state === 'running') return state;
    if (state === 'inmigrate') return undefined;
    throw refused(env.call, `the incoming guest is ${state}`);
  };
  return guest.until('the handover', probe, env.ctx, WAIT_MS.switchover);
}

/** VBD_activate (destination): QEMU activates at `cont`; here the handover must have happened. */
export const awaitSwitchedIn: Effect = async (env) => {
  await handedOver(env, await env.guest());
  return undefined;
};

/** VM_unpause (destination): `cont` activates every disk (locks taken) and runs the guest. */
export const resumeDestination: Effect = async (env) => {
  const guest = await env.guest();
  // `cont` while still incoming would activate the disks at once (and start on arrival): never.
  if ((await handedOver(env, guest)) === 'paused') {
    const resumed = guest.qmp.waitEvent('RESUME', undefined, WAIT_MS.short);
    await guest.qmp.execute('cont');
    await resumed;
  }
  return qemuDetail({ resumeMs: guest.lastEvent('RESUME')?.timestampMs });
};
