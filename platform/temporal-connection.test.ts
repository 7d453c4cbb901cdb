// Connecting to a real Temporal cluster: the TLS, mTLS and API-key settings are checked at boot (a
// wrong path or a half-given pair names its variable), and one function turns them into the options
// both the workers' NativeConnection and the API's Connection take.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { loadConfig } from './config';
import { describeTemporalConnection, temporalConnectionOptions } from './temporal-connection';

const base = { NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40) };
const cluster = { ...base, TEMPORAL_ADDRESS: 'temporal.example.com:7233', TEMPORAL_NAMESPACE: 'orders.a1b2c' };

const dir = mkdtempSync(path.join(tmpdir(), 'saga-orders-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function aFile(name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}
const pem = (label: string, body: string) => `-----BEGIN ${label}-----\n${Buffer.from(body).toString('base64')}\n-----END ${label}-----\n`;
const cert = aFile('client.crt', pem('CERTIFICATE', 'client certificate'));
const key = aFile('client.key', pem('PRIVATE KEY', 'client key'));
const ca = aFile('ca.crt', pem('CERTIFICATE', 'server ca'));

describe('loadConfig: connection to a real Temporal cluster', () => {
  it('when nothing is set, then it is plain text to the local dev server in namespace default', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({ TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_NAMESPACE: 'default' });
    expect(temporalConnectionOptions(config)).toEqual({ address: '127.0.0.1:7233' });
  });

  it.each([
    [{ TEMPORAL_TLS_CERT: cert }, 'TEMPORAL_TLS_KEY: required with TEMPORAL_TLS_CERT'],
    [{ TEMPORAL_TLS_KEY: key }, 'TEMPORAL_TLS_CERT: required with TEMPORAL_TLS_KEY'],
    [{ TEMPORAL_TLS_CA: path.join(dir, 'missing.crt') }, `TEMPORAL_TLS_CA: cannot read ${path.join(dir, 'missing.crt')} (ENOENT)`],
    [{ TEMPORAL_TLS_CERT: dir, TEMPORAL_TLS_KEY: key }, `TEMPORAL_TLS_CERT: ${dir} is not a file`],
    [{ TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: aFile('key.der', 'binary junk') }, 'TEMPORAL_TLS_KEY: '],
    [{ TEMPORAL_TLS: 'yes' }, 'TEMPORAL_TLS: true or false'],
    [{ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'key-123' }, 'TEMPORAL_TLS: false, but TEMPORAL_API_KEY only work over TLS'],
    [{ TEMPORAL_API_KEY: 'two words' }, 'TEMPORAL_API_KEY: an API key has no spaces'],
    [{ TEMPORAL_NAMESPACE: 'my namespace' }, 'TEMPORAL_NAMESPACE'],
  ])('when %p, then it refuses to start: %s', (env, message) => {
    expect(() => loadConfig({ ...cluster, ...env })).toThrow(message);
  });

  it('when a file is not PEM, then the message says so and names the file', () => {
    const der = aFile('ca.der', 'binary junk');
    expect(() => loadConfig({ ...cluster, TEMPORAL_TLS_CA: der })).toThrow(`TEMPORAL_TLS_CA: ${der} is not PEM`);
  });

  (process.getuid?.() === 0 ? it.skip : it)('when a file is not readable by this user, then it names the variable', () => {
    const locked = aFile('locked.key', pem('PRIVATE KEY', 'k'));
    chmodSync(locked, 0o000);
    expect(() => loadConfig({ ...cluster, TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: locked })).toThrow(`TEMPORAL_TLS_KEY: cannot read ${locked} (EACCES)`);
  });

  it('when TLS settings are given without TEMPORAL_ADDRESS, then it refuses naming TEMPORAL_ADDRESS (the default is the dev server, which has no TLS)', () => {
    expect(() => loadConfig({ ...base, TEMPORAL_API_KEY: 'key-123' })).toThrow('TEMPORAL_ADDRESS: required with TEMPORAL_API_KEY');
    expect(() => loadConfig({ ...base, TEMPORAL_TLS: 'true' })).toThrow('TEMPORAL_ADDRESS: required with TEMPORAL_TLS');
  });

  it('when several settings are wrong, then every one is named at once', () => {
    let message = '';
    try { loadConfig({ ...base, TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_CA: path.join(dir, 'nope') }); } catch (error) { message = (error as Error).message; }
    expect(message).toContain('TEMPORAL_TLS_KEY: required');
    expect(message).toContain('TEMPORAL_TLS_CA: cannot read');
    expect(message).toContain('TEMPORAL_ADDRESS: required');
  });
});

describe('temporalConnectionOptions', () => {
  it('when mTLS files, a CA and a server name are set, then TLS carries the files\' bytes and the name, and no API key', () => {
    const options = temporalConnectionOptions(loadConfig({ ...cluster, TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_NAME: 'frontend.internal' }));
    expect(options).toEqual({
      address: 'temporal.example.com:7233',
      tls: {
        serverNameOverride: 'frontend.internal',
        serverRootCACertificate: Buffer.from(pem('CERTIFICATE', 'server ca')),
        clientCertPair: { crt: Buffer.from(pem('CERTIFICATE', 'client certificate')), key: Buffer.from(pem('PRIVATE KEY', 'client key')) },
      },
    });
    expect(describeTemporalConnection(options)).toBe('temporal.example.com:7233 (TLS, client certificate)');
  });

  it('when only an API key is set (Temporal Cloud), then TLS is on with the system CAs, and the key and the namespace header are sent', () => {
    const options = temporalConnectionOptions(loadConfig({ ...cluster, TEMPORAL_API_KEY: 'key-123' }));
    expect(options).toEqual({ address: 'temporal.example.com:7233', tls: {}, apiKey: 'key-123', metadata: { 'temporal-namespace': 'orders.a1b2c' } });
    expect(describeTemporalConnection(options)).toBe('temporal.example.com:7233 (TLS, API key)');
    expect(describeTemporalConnection(options)).not.toContain('key-123');
  });

  it('when an API key and a client certificate are both set (mTLS plus a JWT authorizer), then both are sent', () => {
    const options = temporalConnectionOptions(loadConfig({ ...cluster, TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_API_KEY: 'key-123' }));
    expect(options.tls?.clientCertPair).toBeDefined();
    expect(options.apiKey).toBe('key-123');
  });

  it('when TEMPORAL_TLS=true alone, then TLS is on without client certificate or custom CA', () => {
    expect(temporalConnectionOptions(loadConfig({ ...cluster, TEMPORAL_TLS: 'true' }))).toEqual({ address: 'temporal.example.com:7233', tls: {} });
  });

  it('when a checked file disappears before the connection is made, then the error still names its variable', () => {
    const gone = path.join(dir, 'gone');
    mkdirSync(gone);
    const file = aFile(path.join('gone', 'ca.crt'), pem('CERTIFICATE', 'ca'));
    const config = loadConfig({ ...cluster, TEMPORAL_TLS_CA: file });
    rmSync(gone, { recursive: true });
    expect(() => temporalConnectionOptions(config)).toThrow(`TEMPORAL_TLS_CA: cannot read ${file} (ENOENT)`);
  });

  it('when used for either SDK connection, then its type is accepted by both', () => {
    const options = temporalConnectionOptions(loadConfig({ ...cluster, TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_API_KEY: 'key-123' }));
    const native: NativeConnectionOptions = options;
    const client: ConnectionOptions = options;
    expect([native.address, client.address]).toEqual([options.address, options.address]);
  });
});
