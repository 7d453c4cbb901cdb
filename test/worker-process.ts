// A worker entrypoint (workers/<script>) started as its own process, as a deployment runs it: for the
// tests that kill, drain or probe a real worker process.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

export interface WorkerProcess { child: ChildProcess; output(): string }

/** Starts `workers/<script>` with `env` over this process's environment; resolves once it polls. */
export async function spawnWorker(script: string, env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'workers', script)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const onData = (d: Buffer) => { out += String(d); };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${out}`)), 60_000);
    const started = () => {
      if (!out.includes('workers running')) return;
      clearTimeout(timer);
      child.removeListener('exit', failed);
      resolve();
    };
    const failed = (code: number | null) => { clearTimeout(timer); reject(new Error(`${script} exited ${code}: ${out}`)); };
    child.stdout!.on('data', started);
    child.stderr!.on('data', started);
    child.once('exit', failed);
  });
  return { child, output: () => out };
}
