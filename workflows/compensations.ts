// Compensations: pushed after each step succeeds, run in reverse order inside a non-cancellable
// scope, and never given up. A compensation that fails its first burst of attempts is recorded
// (CompensationFailed event, once per compensation and round) and handed to Temporal's retry with a
// capped back-off, which grows no history while it waits. Only a failure that retrying cannot fix
// (a non-retryable error, i.e. a bug) starts another recorded round after a capped sleep.
import { ActivityFailure, ApplicationFailure, CancellationScope, log, sleep } from '@temporalio/workflow';
import { compensationActivities, type UndoActivities } from './activity-proxies';

export interface Compensation { name: string; run: (undo: UndoActivities) => Promise<unknown> }
export type OnPersistentFailure = (name: string, round: number, message: string) => Promise<void>;

const MAX_SLEEP_BETWEEN_ROUNDS_MS = 10 * 60_000;

function failureMessage(error: unknown): string {
  // An ActivityFailure says only "Activity task failed"; its cause says why.
  const cause = error instanceof ActivityFailure && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

const retryable = (error: unknown) => !(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.nonRetryable);

export class CompensationStack {
  private readonly stack: Compensation[] = [];
  readonly ran: string[] = [];
  readonly failing = new Set<string>();
  /** Some compensation failed for a while and then succeeded. */
  recovered = false;

  push(compensation: Compensation): void {
    this.stack.push(compensation);
  }

  get size(): number {
    return this.stack.length;
  }

  async unwind(onPersistentFailure: OnPersistentFailure): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      while (this.stack.length > 0) await this.complete(this.stack.pop()!, onPersistentFailure);
    });
  }

  /** Runs one must-succeed step (a compensation, or a release that follows a committed change) to completion. */
  async complete(compensation: Compensation, onPersistentFailure: OnPersistentFailure): Promise<void> {
    for (let round = 1; ; round++) {
      try {
        await compensation.run(compensationActivities(round > 1));
        if (this.failing.delete(compensation.name)) this.recovered = true;
        this.ran.push(compensation.name);
        return;
      } catch (error) {
        const message = failureMessage(error);
        this.failing.add(compensation.name);
        log.error('compensation keeps failing; will retry', { compensation: compensation.name, round, message });
        await onPersistentFailure(compensation.name, round, message).catch(() => undefined);
        // A retryable failure goes straight to the persistent round; a non-retryable one waits first.
        if (round > 1 || !retryable(error)) await sleep(Math.min(MAX_SLEEP_BETWEEN_ROUNDS_MS, 5_000 * 2 ** (round - 1)));
      }
    }
  }
}
