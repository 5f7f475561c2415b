// Temporal connection options from the configuration: address, TLS (certificate files read here,
// when a connection is made) and API key. They go to the SDK's connection only — gRPC channel and
// `Authorization` header — never into a workflow or activity payload. Every message is one line
// and never carries the API key or key material.
import type { ConnectionOptions, TLSConfig } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { ConfigError, type Config } from './config';

const oneLine = (s: string) => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();

function readPemFile(variable: string, path: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`cannot read ${variable} file ${oneLine(path)} (${code})`);
  }
  if (data.length === 0) throw new ConfigError(`${variable} file ${oneLine(path)} is empty`);
  return data;
}

/** The SDK's `tls` option: false for plaintext, else the files' contents. */
export function tlsOptions(config: Config): TLSConfig | false {
  const { tls } = config;
  if (tls === false) return false;
  return {
    ...(tls.serverName !== undefined ? { serverNameOverride: tls.serverName } : {}),
    ...(tls.caFile !== undefined ? { serverRootCACertificate: readPemFile('TEMPORAL_TLS_CA', tls.caFile) } : {}),
    ...(tls.clientCert !== undefined
      ? {
          clientCertPair: {
            crt: readPemFile('TEMPORAL_TLS_CERT', tls.clientCert.certFile),
            key: readPemFile('TEMPORAL_TLS_KEY', tls.clientCert.keyFile),
          },
        }
      : {}),
  };
}

/** Options for `Connection.connect` (@temporalio/client). */
export function clientConnectionOptions(config: Config): ConnectionOptions & { address: string } {
  const apiKey = config.apiKey?.reveal();
  return { address: config.address, tls: tlsOptions(config), ...(apiKey !== undefined ? { apiKey } : {}) };
}

/** Options for `NativeConnection.connect` (@temporalio/worker). */
export function nativeConnectionOptions(config: Config): NativeConnectionOptions & { address: string } {
  const apiKey = config.apiKey?.reveal();
  return { address: config.address, tls: tlsOptions(config), ...(apiKey !== undefined ? { apiKey } : {}) };
}

/**
 * A connection failure as one line, safe to print: the first line of the SDK's message with the
 * API key and any PEM block replaced by [redacted].
 */
export function connectionFailure(err: unknown, config: Config): string {
  let message = err instanceof Error ? err.message : String(err);
  const apiKey = config.apiKey?.reveal();
  if (apiKey) message = message.split(apiKey).join('[redacted]');
  message = message.replace(/-----BEGIN [^-]*-----[\s\S]*?(-----END [^-]*-----|$)/g, '[redacted]');
  return oneLine(message.split(/\r?\n/).find((l) => l.trim() !== '') ?? 'unknown error').slice(0, 300);
}
