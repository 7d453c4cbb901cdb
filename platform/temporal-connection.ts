// The one place the Temporal connection is described, for the workers (`NativeConnection.connect`)
// and the API (`Connection.connect`): both SDK classes take the same address / tls / apiKey / metadata.
// Locally (nothing set) it is plain text to the dev server; a real cluster gets TLS, mTLS files and
// an API key from the configuration, validated at boot by platform/config.ts.
import { readFileSync } from 'node:fs';
import type { Config } from './config';

/** The SDK's TLSConfig, spelled out so both connection classes accept it (Buffer is a Uint8Array). */
export interface TemporalTls {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

export interface TemporalConnectionOptions {
  address: string;
  /** Absent: plain text (the local dev server). */
  tls?: TemporalTls;
  apiKey?: string;
  metadata?: Record<string, string>;
}

export type TemporalConnectionConfig = Pick<Config,
  'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TLS' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' |
  'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_SERVER_NAME' | 'TEMPORAL_API_KEY'>;

export function temporalConnectionOptions(config: TemporalConnectionConfig): TemporalConnectionOptions {
  const { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_NAME: serverName, TEMPORAL_API_KEY: apiKey } = config;
  const tlsOn = config.TEMPORAL_TLS ?? Boolean(cert || key || ca || serverName || apiKey);
  if (!tlsOn) return { address: config.TEMPORAL_ADDRESS };
  const tls: TemporalTls = {
    ...(serverName ? { serverNameOverride: serverName } : {}),
    ...(ca ? { serverRootCACertificate: pem('TEMPORAL_TLS_CA', ca) } : {}),
    ...(cert && key ? { clientCertPair: { crt: pem('TEMPORAL_TLS_CERT', cert), key: pem('TEMPORAL_TLS_KEY', key) } } : {}),
  };
  return {
    address: config.TEMPORAL_ADDRESS,
    tls,
    // Temporal Cloud's API-key endpoints route a call by this header (its documented connection
    // recipe sets it); other servers ignore it.
    ...(apiKey ? { apiKey, metadata: { 'temporal-namespace': config.TEMPORAL_NAMESPACE } } : {}),
  };
}

/** For logs: how the connection is made, without any secret. */
export function describeTemporalConnection(options: TemporalConnectionOptions): string {
  if (!options.tls) return `${options.address} (plain text)`;
  const how = ['TLS', ...(options.tls.clientCertPair ? ['client certificate'] : []), ...(options.apiKey ? ['API key'] : [])];
  return `${options.address} (${how.join(', ')})`;
}

/** Read at connect time; loadConfig checked the file, so a failure here is a file changed since. */
function pem(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`Invalid configuration:\n  ${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
