// Metrics in each kind of liveshift process: the endpoint's options as the configuration gives
// them, the environment of supervised children, and installing the SDK runtime with core's
// exporter when the process serves metrics.
import type { RuntimeOptions } from '@temporalio/worker';
import type { Token } from '../agent/auth';
import type { MetricsEndpoint } from './endpoint';
import { installWithSdkExporter, type SdkRuntime } from './sdk-exporter';

export interface MetricsOptions {
  bind: string;
  /** 0: any free port. */
  port: number;
  token?: Token | undefined;
}

/**
 * The metrics variables for a supervised child of a stack: with metrics on, its own endpoint on
 * any free port (several processes share the machine; each prints where it listens), with this
 * stack's bind and token; with metrics off, none (an operator's variables do not leak in).
 */
export function childMetricsEnv(o: MetricsOptions | undefined): NodeJS.ProcessEnv {
  if (!o)
    return { LIVESHIFT_METRICS_PORT: undefined, LIVESHIFT_METRICS_BIND: undefined, LIVESHIFT_METRICS_TOKEN: undefined };
  return {
    LIVESHIFT_METRICS_PORT: '0',
    LIVESHIFT_METRICS_BIND: o.bind,
    LIVESHIFT_METRICS_TOKEN: o.token?.reveal(),
  };
}

/** Installs the SDK runtime; with an endpoint, with core's exporter behind it. */
export async function installRuntime(
  runtime: SdkRuntime,
  options: RuntimeOptions,
  endpoint: MetricsEndpoint | undefined,
): Promise<void> {
  if (!endpoint) runtime.install(options);
  else endpoint.sdkExporter = await installWithSdkExporter(runtime, options);
}
