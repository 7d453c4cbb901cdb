// How an activity failure is retried, decided once for every context (see platform/errors.ts):
//  - a business decline (ApplicationFailure) is the activity's own decision and passes unchanged;
//  - a refused domain rule (DomainError) is final: non-retryable, its code as the failure type;
//  - an outage (transient) is retried without limit — the retry policy's back-off spaces attempts;
//  - anything else (a bug, corrupt data) is retried UNEXPECTED_ATTEMPTS times, so a fix can still be
//    deployed meanwhile, then given up as UNEXPECTED_ERROR: the saga rejects the order and
//    compensates instead of retrying for ever.
import { ApplicationFailure } from '@temporalio/common';
import type { Context } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, Next } from '@temporalio/worker';
import { DomainError } from '../domain/shared/domain-error';
import { isTransient } from '../platform/errors';

export const UNEXPECTED_ATTEMPTS = 10;

class ClassifiedFailures implements ActivityInboundCallsInterceptor {
  constructor(private readonly context: Context, private readonly unexpectedAttempts: number) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (error) {
      if (error instanceof ApplicationFailure) throw error;
      if (error instanceof DomainError) throw ApplicationFailure.create({ message: error.message, type: error.code, nonRetryable: true, cause: error });
      if (isTransient(error) || this.context.info.attempt < this.unexpectedAttempts) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw ApplicationFailure.create({
        message: `${message} (given up after ${this.context.info.attempt} attempts: not an outage)`,
        type: 'UNEXPECTED_ERROR', nonRetryable: true, cause: error instanceof Error ? error : undefined,
      });
    }
  }
}

export function classifiedFailures(unexpectedAttempts = UNEXPECTED_ATTEMPTS): ActivityInterceptorsFactory {
  return (context) => ({ inbound: new ClassifiedFailures(context, unexpectedAttempts) });
}
