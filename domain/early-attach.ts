// The per-VBD early-attach decision (upstream: `can_attach_early`), evaluated per migration
// against the SR the destination will use (upstream caches it per SR and reads the origin SR).
import type { Pool, Vbd } from './pool';
import { compareVersions } from './versions';

export const EARLY_ATTACH_MIN_API = '3.0';

export type EarlyAttachReason =
  'empty-cd' | 'host-legacy' | 'policy-deny' | 'policy-allow' | 'smapiv3' | 'sm-below-3.0' | 'no-sm' | 'legacy-plan';

export interface EarlyAttachDecision {
  device: string;
  early: boolean;
  reason: EarlyAttachReason;
  detail: string;
}

export function canAttachEarly(pool: Pool, vbd: Vbd, destination: string): EarlyAttachDecision {
  const device = vbd.device;
  const no = (reason: EarlyAttachReason, detail: string) => ({ device, early: false, reason, detail });
  if (vbd.empty || vbd.sr === undefined) return no('empty-cd', 'empty CD drive: no VDI to attach');
  const host = pool.hosts.find((h) => h.name === destination);
  if (host?.vbdPlugUnplugLegacy)
    return no('host-legacy', `${destination} runs with vbdPlugUnplugLegacy: attach and activate are one step`);
  const srType = pool.srs.find((s) => s.name === vbd.sr)?.type ?? '';
  if (pool.policy.denyEarlyAttach.includes(srType))
    return no('policy-deny', `policy denies early attach for SR type ${srType}`);
  if (pool.policy.allowEarlyAttach.includes(srType))
    return { device, early: true, reason: 'policy-allow', detail: `policy allows early attach for SR type ${srType}` };
  const sm = pool.sms.find((s) => s.type === srType);
  if (!sm) return no('no-sm', `no SM record for SR type ${srType}`);
  if (compareVersions(sm.requiredApiVersion, EARLY_ATTACH_MIN_API) >= 0)
    return {
      device,
      early: true,
      reason: 'smapiv3',
      detail: `SM ${srType} requiredApiVersion ${sm.requiredApiVersion} >= ${EARLY_ATTACH_MIN_API}`,
    };
  return no('sm-below-3.0', `SM ${srType} requiredApiVersion ${sm.requiredApiVersion} < ${EARLY_ATTACH_MIN_API}`);
}
