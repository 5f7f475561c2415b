// One real Temporal dev server (in memory, headless) and one workflow bundle for the whole run.
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../cli/temporal-server';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startDevServer({ ui: false, log: (l) => console.error(l) });
  try {
    const dir = resolve('.liveshift', 'test');
    mkdirSync(dir, { recursive: true });
    const { code } = await bundleWorkflowCode({ workflowsPath: resolve('workflows', 'index.ts'), logger: quietLogger });
    const bundlePath = join(dir, 'workflow-bundle.js');
    writeFileSync(bundlePath, code);
    project.provide('temporalAddress', server.address);
    project.provide('workflowBundlePath', bundlePath);
  } catch (err) {
    // Never leave a server behind when the setup fails half way.
    await server.stop();
    throw err;
  }
  return () => server.stop();
}

const quiet = () => undefined;
const quietLogger = {
  log: quiet,
  trace: quiet,
  debug: quiet,
  info: quiet,
  warn: quiet,
  error: (m: string) => console.error(m),
};
