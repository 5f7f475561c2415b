// The Temporal SDK runtime's own metrics (pollers, task slots, latencies of its requests, ...)
// come from Temporal core's Prometheus exporter, which core serves itself. That exporter cannot
// authenticate its callers and does not say which port it bound when given port 0, so it is bound
// to a private loopback port picked here and read only by liveshift's endpoint
// (metrics/endpoint.ts), which authenticates the scraper and appends liveshift's own metrics.
//
// Why not record liveshift's metrics through the SDK's MetricMeter (Runtime.metricMeter) into the
// same exporter: in 1.24 that API is experimental, its histograms' buckets are fixed at install
// time, and its metrics live and die with the Runtime — which the SDK shuts down when a process's
// last worker and connection close and re-creates later (a test runs several stacks in one
// process). A registry of liveshift's own (metrics/exposition.ts) has none of those ties.
import { createServer } from 'node:net';
import type { RuntimeOptions } from '@temporalio/worker';

/** The part of the SDK's Runtime used here (the SDK is loaded late in a host process). */
export interface SdkRuntime {
  install(options: RuntimeOptions): unknown;
}

/** A port nothing listens on right now (the kernel picks it; released at once for the exporter). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const ATTEMPTS = 3;

/**
 * Installs the SDK runtime with core's Prometheus exporter on a private loopback port; returns
 * the URL it serves. Another process may take the port between the probe and core's bind: then
 * install fails with "Address already in use" and another port is tried.
 */
export async function installWithSdkExporter(runtime: SdkRuntime, options: RuntimeOptions): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const bindAddress = `127.0.0.1:${await freeLoopbackPort()}`;
    try {
      runtime.install({
        ...options,
        telemetryOptions: { ...options.telemetryOptions, metrics: { prometheus: { bindAddress } } },
      });
      return `http://${bindAddress}/metrics`;
    } catch (err) {
      if (attempt >= ATTEMPTS || !String(err).includes('Address already in use')) throw err;
    }
  }
}

/** Core's exposition text, for the endpoint to append; a comment line when core does not answer. */
export async function scrapeSdk(url: string | undefined): Promise<string> {
  if (url === undefined) return '# Temporal SDK metrics: not exported by this process\n';
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return `# Temporal SDK metrics unavailable: ${url} answered ${res.status}\n`;
    const text = await res.text();
    return text.endsWith('\n') || text === '' ? text : `${text}\n`;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return `# Temporal SDK metrics unavailable: ${why.replace(/\s+/g, ' ')}\n`;
  }
}
