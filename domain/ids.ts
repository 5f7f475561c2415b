// Identifiers. Pure and deterministic: they are computed inside the workflow sandbox too.

/** A stable VM uuid derived from pool and VM name (the pool file carries names, XAPI carries uuids). */
export function vmUuid(poolName: string, vmName: string): string {
  const hex = [0x811c9dc5, 0x01000193, 0x2545f491, 0x9e3779b9]
    .map((seed) => fnv1a(`${poolName}/${vmName}`, seed).toString(16).padStart(8, '0'))
    .join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function fnv1a(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The destination creates the incoming domain under a temporary id, as upstream does: the real
 * uuid's first 24 characters followed by `000000000001`.
 */
export function temporaryVmId(uuid: string): string {
  return `${uuid.slice(0, 24)}000000000001`;
}

/** The VDI behind a VBD: a named (possibly shared) VDI, else one private to the VM and device. */
export function vdiId(vmName: string, device: string, named?: string): string {
  return named ?? `${vmName}-${device}`;
}

export const migrationWorkflowId = (uuid: string): string => `migrate-${uuid}`;
export const hostTaskQueue = (host: string): string => `host-${host}`;
export const ORCHESTRATOR_TASK_QUEUE = 'liveshift-orchestrator';
