// A host's Temporal worker: the atoms of one pool host on task queue `host-<name>`. Beside it each
// host serves its agent (workers/host-agent.ts), the direct path. `liveshift up` runs one process
// per host (workers/host-process.ts), like a toolstack daemon per hypervisor.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createHostActivities } from '../activities/host';
import { hostTaskQueue } from '../domain/ids';
import type { Toolstack } from '../domain/toolstack';

export interface HostWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  toolstack: Toolstack;
  host: string;
}

export function createHostWorker(o: HostWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: hostTaskQueue(o.host),
    activities: createHostActivities(o.toolstack, o.host),
    maxConcurrentActivityTaskExecutions: 64,
    shutdownGraceTime: '2 seconds',
  });
}
