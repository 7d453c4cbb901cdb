// Compensations: pushed after each step succeeds, run in reverse order inside a non-cancellable
// scope, retried until they succeed. A compensation that keeps failing is recorded
// (CompensationFailed event + log) after every round and retried again — never silently dropped.
import { CancellationScope, log, sleep } from '@temporalio/workflow';

export interface Compensation { name: string; run: () => Promise<unknown> }

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

  async unwind(onPersistentFailure: (name: string, round: number, message: string) => Promise<void>): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      while (this.stack.length > 0) {
        const compensation = this.stack.pop()!;
        for (let round = 1; ; round++) {
          try {
            await compensation.run();
            if (this.failing.delete(compensation.name)) this.recovered = true;
            this.ran.push(compensation.name);
            break;
          } catch (error) {
            // An ActivityFailure says only "Activity task failed"; its cause says why.
            const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
            const message = cause instanceof Error ? cause.message : String(cause);
            this.failing.add(compensation.name);
            log.error('compensation keeps failing; will retry', { compensation: compensation.name, round, message });
            await onPersistentFailure(compensation.name, round, message).catch(() => undefined);
            await sleep(Math.min(60_000, 5_000 * round));
          }
        }
      }
    });
  }
}
