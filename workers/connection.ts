// Temporal connection options from the configuration: address, TLS (certificate files read here,
// when a connection is made) and API key. They go to the SDK's connection only — gRPC channel and
// `Authorization` header — never into a workflow or activity payload. Every message is one line
// and never carries the API key or key material.
import type { ConnectionOptions, TLSConfig } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { ConfigError } from './secret';
import type { PemSource, TemporalSettings } from './temporal-env';

const oneLine = (s: string) => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();

/** A PEM file's or inline PEM's bytes; errors name the setting that gave it, and the file. */
function readPem(source: PemSource): Buffer {
  if ('data' in source) {
    const data = Buffer.from(source.data.reveal());
    if (data.toString().trim() === '') throw new ConfigError(`${source.setting} is empty`);
    return data;
  }
  let data: Buffer;
  try {
    data = readFileSync(source.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`cannot read ${source.setting} file ${oneLine(source.path)} (${code})`);
  }
  if (data.length === 0) throw new ConfigError(`${source.setting} file ${oneLine(source.path)} is empty`);
  return data;
}

/** The SDK's `tls` option: false for plaintext, else the files' contents. */
export function tlsOptions(settings: TemporalSettings): TLSConfig | false {
  const { tls } = settings;
  if (tls === false) return false;
  return {
    ...(tls.serverName !== undefined ? { serverNameOverride: tls.serverName } : {}),
    ...(tls.serverCA !== undefined ? { serverRootCACertificate: readPem(tls.serverCA) } : {}),
    ...(tls.clientCert !== undefined
      ? { clientCertPair: { crt: readPem(tls.clientCert.cert), key: readPem(tls.clientCert.key) } }
      : {}),
  };
}

/** What client and worker connections share: address, TLS (explicitly false for plaintext, or the SDK would turn it on for an API key), API key, headers. */
function commonOptions(settings: TemporalSettings) {
  const apiKey = settings.apiKey?.reveal();
  const metadata =
    settings.grpcMeta && Object.fromEntries(Object.entries(settings.grpcMeta).map(([k, v]) => [k, v.reveal()]));
  return {
    address: settings.address,
    tls: tlsOptions(settings),
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(metadata !== undefined ? { metadata } : {}),
  };
}

/** Options for `Connection.connect` (@temporalio/client). */
export function clientConnectionOptions(settings: TemporalSettings): ConnectionOptions & { address: string } {
  return commonOptions(settings);
}

/** Options for `NativeConnection.connect` (@temporalio/worker): the same settings as the client's. */
export function nativeConnectionOptions(settings: TemporalSettings): NativeConnectionOptions & { address: string } {
  return commonOptions(settings);
}

/**
 * A connection failure as one line, safe to print: the first line of the SDK's message with the
 * API key, gRPC header values and any PEM block replaced by [redacted].
 */
export function connectionFailure(err: unknown, settings: TemporalSettings): string {
  let message = firstLine(err);
  // The client says only "Failed to connect to Temporal server"; its cause says why (e.g. PERMISSION_DENIED).
  if (err instanceof Error && err.cause !== undefined) message = `${message}: ${firstLine(err.cause)}`;
  for (const secret of [settings.apiKey, ...Object.values(settings.grpcMeta ?? {})]) {
    const value = secret?.reveal();
    if (value) message = message.split(value).join('[redacted]');
  }
  message = message.replace(/-----BEGIN [^-]*-----[\s\S]*?(-----END [^-]*-----|$)/g, '[redacted]');
  return oneLine(message).slice(0, 300);
}

const firstLine = (err: unknown) =>
  (err instanceof Error ? err.message : String(err)).split(/\r?\n/).find((l) => l.trim() !== '') ?? 'unknown error';

/** Whether the server refused the credentials (rather than being unreachable). */
export const refusedCredentials = (err: unknown): boolean =>
  /PERMISSION_DENIED|UNAUTHENTICATED|does not have permission|Request unauthorized/.test(
    `${firstLine(err)} ${err instanceof Error && err.cause !== undefined ? firstLine(err.cause) : ''}`,
  );
