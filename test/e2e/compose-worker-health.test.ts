// Each worker service of docker-compose.yml is checked healthy by its own /health/ready, on the
// address its process is told to serve it on (a port that differs would make every worker unhealthy).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SHUTDOWN_GRACE_MS } from '../../workers/worker-factory';

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; start_period?: string };
  stop_grace_period?: string;
}

const compose = parse(readFileSync(path.resolve(__dirname, '..', '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const workers = Object.entries(compose.services).filter(([name]) => name.startsWith('worker-'));

describe('docker-compose.yml: worker health', () => {
  it('when the file is read, then there are worker services', () => {
    expect(workers.map(([name]) => name).sort()).toEqual(['worker-credit', 'worker-orders', 'worker-payment', 'worker-shipment', 'worker-stock']);
  });

  it.each(workers)('when %s runs, then its healthcheck asks /health/ready on its WORKER_HEALTH_ADDRESS', (_name, service) => {
    const address = service.environment?.WORKER_HEALTH_ADDRESS;
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(service.healthcheck?.test?.join(' ')).toContain(`fetch('http://${address}/health/ready')`);
    // Compose waits this long after SIGTERM before SIGKILL: longer than the workers' shutdown grace time.
    expect(/^\d+s$/.test(service.stop_grace_period ?? '')).toBe(true);
    expect(parseInt(service.stop_grace_period!, 10) * 1000).toBeGreaterThan(SHUTDOWN_GRACE_MS);
  });
});
