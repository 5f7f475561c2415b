// One Prometheus endpoint per liveshift process (`GET /metrics`): liveshift's own metrics (the
// orchestrator's, metrics/migration-metrics.ts) followed by the Temporal SDK runtime's, read from
// core's exporter on its private loopback port (metrics/sdk-exporter.ts). Like a host's agent it
// binds loopback by default; bound anywhere else it requires a bearer token, and refuses to start
// without one (workers/config.ts refuses the configuration before that).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerMatches, type Token } from '../agent/auth';
import { ConfigError, isLoopback } from '../workers/config';
import { EXPOSITION_CONTENT_TYPE } from './exposition';
import type { MigrationMetrics } from './migration-metrics';
import { scrapeSdk } from './sdk-exporter';

export const METRICS_PATH = '/metrics';

export interface MetricsEndpointOptions {
  bind: string;
  /** 0: any free port. */
  port: number;
  token?: Token;
  /** liveshift's own metrics: kept by the process that runs the orchestrator. */
  migrations?: MigrationMetrics;
}

export interface MetricsEndpoint {
  /** Where to scrape: `http://<bind>:<port>/metrics`. */
  url: string;
  /** Core's exporter, once the SDK runtime is installed with one (host processes install it late). */
  sdkExporter: string | undefined;
  close(): Promise<void>;
}

export async function startMetricsEndpoint(o: MetricsEndpointOptions): Promise<MetricsEndpoint> {
  if (!isLoopback(o.bind) && !o.token)
    throw new ConfigError(`metrics bound to ${o.bind}, not a loopback address: set LIVESHIFT_METRICS_TOKEN`);
  const endpoint: MetricsEndpoint = { url: '', sdkExporter: undefined, close: () => Promise.resolve() };
  const server = createServer((req, res) => void handle(o, endpoint, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.bind, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  endpoint.url = `http://${address.includes(':') ? `[${address}]` : address}:${port}${METRICS_PATH}`;
  endpoint.close = () => closeServer(server);
  return endpoint;
}

async function handle(o: MetricsEndpointOptions, e: MetricsEndpoint, req: IncomingMessage, res: ServerResponse) {
  if (o.token && !bearerMatches(req.headers.authorization, o.token)) return refuse(res, 401, 'missing or wrong token');
  const path = (req.url ?? '').split('?')[0];
  if (req.method !== 'GET' || path !== METRICS_PATH) return refuse(res, 404, `no ${req.method} ${req.url}`);
  const body = (o.migrations?.render() ?? '') + (await scrapeSdk(e.sdkExporter));
  res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE }).end(body);
}

function refuse(res: ServerResponse, status: number, error: string): void {
  const headers = { 'content-type': 'text/plain; charset=utf-8' };
  res.writeHead(status, status === 401 ? { ...headers, 'www-authenticate': 'Bearer' } : headers).end(`${error}\n`);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
