// One attempt of an atom on this host's own Toolstack, bounded like a Temporal activity attempt:
// start-to-close, and for long atoms the heartbeat. A bound that expires cancels the atom (the
// Toolstack then takes no effect) and the attempt ends as timed out.
import { LiveshiftError } from '../domain/errors';
import type { Toolstack } from '../domain/toolstack';
import { AttemptLost, AttemptTimedOut, HostFailure } from './errors';
import type { Attempt } from './retry';

export function localAttempt(toolstack: Toolstack): Attempt {
  return (call, o) =>
    new Promise((resolve, reject) => {
      const cancel = new AbortController();
      const where = `${call.atom} on ${call.host}`;
      let silence: NodeJS.Timeout | undefined;
      const stop = () => {
        clearTimeout(overall);
        clearTimeout(silence);
        o.signal?.removeEventListener('abort', onCallerGone);
      };
      const give = (err: Error) => {
        stop();
        reject(err);
        cancel.abort();
      };
      const overall = setTimeout(
        () => give(new AttemptTimedOut(`${where}: no result within ${o.timeoutMs} ms`)),
        o.timeoutMs,
      );
      const alive = () => {
        if (o.heartbeatMs === undefined) return;
        const ms = o.heartbeatMs;
        clearTimeout(silence);
        silence = setTimeout(() => give(new AttemptTimedOut(`${where}: no heartbeat for ${ms} ms`)), ms);
      };
      const onCallerGone = () => give(new AttemptLost(`${where}: the caller went away`));
      o.signal?.addEventListener('abort', onCallerGone, { once: true });
      if (o.signal?.aborted) return onCallerGone();
      alive();
      toolstack.run(call, { signal: cancel.signal, heartbeat: alive }).then(
        (result) => {
          stop();
          resolve(result);
        },
        (err: unknown) => {
          stop();
          if (err instanceof LiveshiftError) reject(new HostFailure(err.type, err.message));
          else reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
}
