// The connection settings of a real cluster, used for real: the run's dev server (plain text) behind
// an mTLS-terminating proxy with a CA of this test's own, reached by the API's Connection and by a
// worker process, both from temporalConnectionOptions(loadConfig(env)).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../platform/config';
import { temporalConnectionOptions } from '../platform/temporal-connection';
import { freePort } from '../test/free-port';
import { testConfig } from '../test/harness';

const root = path.resolve(__dirname, '..');
const dir = mkdtempSync(path.join(tmpdir(), 'saga-orders-mtls-'));
const SERVER_NAME = 'temporal.test';
let proxy: TlsServer;
let proxyAddress: string;
const spawned: ChildProcess[] = [];

function openssl(...args: string[]): void {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
}

/** A CA, a server certificate for temporal.test and a client certificate, all P-256, valid a day. */
function makeCertificates(): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1',
    '-subj', '/CN=saga-orders test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  for (const [name, usage, san] of [['server', 'serverAuth', `subjectAltName=DNS:${SERVER_NAME}\n`], ['client', 'clientAuth', '']] as const) {
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=saga-orders ${name}`);
    writeFileSync(path.join(dir, `${name}.ext`), `${san}basicConstraints=CA:FALSE\nextendedKeyUsage=${usage}\n`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
  }
}
const file = (name: string) => path.join(dir, name);

beforeAll(async () => {
  makeCertificates();
  const [host, port] = process.env.TEST_TEMPORAL_ADDRESS!.split(':');
  // Terminates TLS, requires a client certificate signed by the CA, and passes the HTTP/2 bytes on.
  proxy = createTlsServer({
    key: readFileSync(file('server.key')), cert: readFileSync(file('server.crt')), ca: readFileSync(file('ca.crt')),
    requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'],
  }, (socket) => {
    const upstream = connectTcp(Number(port), host);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  proxy.on('tlsClientError', () => undefined);
  const proxyPort = await freePort();
  await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
  proxyAddress = `127.0.0.1:${proxyPort}`;
});

afterAll(async () => {
  for (const child of spawned) if (child.exitCode === null) child.kill('SIGKILL');
  await new Promise((resolve) => proxy?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const mtls = () => ({
  TEMPORAL_ADDRESS: proxyAddress, TEMPORAL_TLS_CERT: file('client.crt'), TEMPORAL_TLS_KEY: file('client.key'),
  TEMPORAL_TLS_CA: file('ca.crt'), TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
});
const options = (env: Record<string, string>) => temporalConnectionOptions(loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'x'.repeat(40), ...env }));

describe('connecting to a cluster over mTLS', () => {
  it('when the API connects with the client certificate, the CA and the server name, then the server answers', async () => {
    const connection = await Connection.connect(options(mtls()));
    try {
      await expect(connection.workflowService.getSystemInfo({})).resolves.toBeDefined();
    } finally {
      await connection.close();
    }
  });

  it('when a worker connection adds an API key to the client certificate, then it connects (both are sent)', async () => {
    const connection = await NativeConnection.connect(options({ ...mtls(), TEMPORAL_API_KEY: 'test-api-key' }));
    try {
      await expect(connection.workflowService.getSystemInfo({})).resolves.toBeDefined();
    } finally {
      await connection.close();
    }
  });

  it('when the client certificate is missing, then the server refuses the connection', async () => {
    const { TEMPORAL_TLS_CERT: _cert, TEMPORAL_TLS_KEY: _key, ...withoutCertificate } = mtls();
    await expect(Connection.connect({ ...options(withoutCertificate), connectTimeout: 1000 })).rejects.toThrow();
  });

  it('when a worker process is configured with the TLS files, then it polls through the proxy and reports ready', async () => {
    const health = `127.0.0.1:${await freePort()}`;
    const config = testConfig();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'workers', 'all.worker.ts')], {
      cwd: root,
      env: { ...process.env, ...mtls(), DATABASE_URL: config.DATABASE_URL, TASK_QUEUE_PREFIX: config.TASK_QUEUE_PREFIX, WORKER_CONTEXTS: 'credit', WORKER_HEALTH_ADDRESS: health, WORKER_METRICS_ADDRESS: '', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    spawned.push(child);
    let out = '';
    child.stdout!.on('data', (d) => { out += String(d); });
    child.stderr!.on('data', (d) => { out += String(d); });
    const deadline = Date.now() + 30_000;
    let ready: { status: number; body: any } | undefined;
    while (Date.now() < deadline && child.exitCode === null) {
      const res = await fetch(`http://${health}/health/ready`).catch(() => undefined);
      if (res) ready = { status: res.status, body: await res.json() };
      if (ready?.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect({ ready, exitCode: child.exitCode }).toMatchObject({ ready: { status: 200, body: { contexts: { credit: 'RUNNING' }, checks: { temporal: 'ok' } } }, exitCode: null });
    expect(out).toContain(`"temporal":"${proxyAddress} (TLS, client certificate)"`);
    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
  });
});
