// A supervised child process (a worker or the API): started with `node --import tsx <file>` so the
// pid IS the service (kill -9 hits it, not a wrapper), its output captured to a log file that the
// security check later scans for secrets, and any exit we did not cause recorded as a finding.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { ROOT, sleep } from './config';

export interface UnexpectedExit { name: string; at: number; code: number | null; signal: string | null; tail: string; whileStarting: boolean }

export interface ProcessSpec {
  name: string;
  file: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  /** Resolves once the process serves (a log line, a health probe); rejects after a timeout. */
  ready: (proc: ManagedProcess) => Promise<void>;
  /**
   * A command the node process is started through, e.g. `ip netns exec <ns>` for a host of `npm run
   * cluster`; it must exec the process in place so the pid stays the service's.
   */
  prefix?: string[];
}

export class ManagedProcess {
  child: ChildProcess | undefined;
  starts = 0;
  /** True once the process served; an exit after that which we did not cause is a finding. */
  private up = false;
  private expectingExit = false;
  private readonly tailLines: string[] = [];
  private readonly log: WriteStream;
  private readonly listeners = new Set<(line: string) => void>();

  constructor(readonly spec: ProcessSpec, private readonly onUnexpectedExit: (exit: UnexpectedExit) => void) {
    this.log = createWriteStream(spec.logFile, { flags: 'a' });
  }

  get name(): string { return this.spec.name; }
  get running(): boolean { return !!this.child && this.child.exitCode === null && this.child.signalCode === null; }
  get tail(): string { return this.tailLines.join('\n'); }

  async start(timeoutMs = 120_000): Promise<number> {
    if (this.running) await this.kill('SIGKILL');
    const started = Date.now();
    this.starts++;
    this.up = false;
    this.expectingExit = false;
    this.log.write(`\n==== [chaos] start #${this.starts} of ${this.name} at ${new Date().toISOString()} ====\n`);
    const [command, ...args] = [...(this.spec.prefix ?? []), process.execPath, '--import', 'tsx', path.join(ROOT, this.spec.file)];
    const child = spawn(command!, args, {
      cwd: ROOT, env: this.spec.env, stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let partial = '';
    const onData = (chunk: Buffer) => {
      this.log.write(chunk);
      const text = partial + chunk.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        this.tailLines.push(line);
        if (this.tailLines.length > 40) this.tailLines.shift();
        for (const listener of this.listeners) listener(line);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      this.log.write(`\n==== [chaos] ${this.name} exited (${code ?? signal}) at ${new Date().toISOString()} ====\n`);
      if (!this.expectingExit && this.child === child) this.onUnexpectedExit({ name: this.name, at: Date.now(), code, signal, tail: this.tail, whileStarting: !this.up });
    });
    const exited = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`${this.name} exited during start (${code ?? signal}):\n${this.tail}`))));
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.tail}`)), timeoutMs).unref());
    await Promise.race([this.spec.ready(this), exited, timeout]);
    this.up = true;
    return Date.now() - started;
  }

  /** Resolves when a line matching `pattern` is printed (from now on). */
  waitForLine(pattern: RegExp): Promise<void> {
    return new Promise((resolve) => {
      const listener = (line: string) => {
        if (pattern.test(line)) {
          this.listeners.delete(listener);
          resolve();
        }
      };
      this.listeners.add(listener);
    });
  }

  /** Sends `signal` and waits for the exit; after `graceMs` a SIGKILL follows. */
  async kill(signal: NodeJS.Signals = 'SIGKILL', graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.expectingExit = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    await this.kill('SIGTERM', 15_000);
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}

/** Polls a URL until it answers 200. */
export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await sleep(200);
  }
}
