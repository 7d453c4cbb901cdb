// The shutdown grace time follows the longest activity timeout: the saga's timeouts live in the
// workflow bundle (workflows/*.ts), which the worker cannot import values from without changing the
// proxies, so their text is read here.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDurationMs } from '../platform/config';
import { LONGEST_ACTIVITY_START_TO_CLOSE_MS, SHUTDOWN_GRACE_MS } from './worker-factory';

const workflowsDir = path.resolve(__dirname, '..', 'workflows');

/** Every `startToCloseTimeout:` / `scheduleToCloseTimeout:` in the workflow sources, literal or not. */
function activityTimeouts(): Array<{ file: string; text: string; ms: number | null }> {
  const found: Array<{ file: string; text: string; ms: number | null }> = [];
  for (const file of readdirSync(workflowsDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const source = readFileSync(path.join(workflowsDir, file), 'utf8');
    for (const match of source.matchAll(/(?:startToClose|scheduleToClose)Timeout:\s*([^,\n}]+)/g)) {
      const value = match[1]!.trim();
      const literal = /^['"`](\d+(?:ms|s|m|h)?)['"`]$/.exec(value) ?? /^(\d[\d_]*)$/.exec(value);
      found.push({ file, text: value, ms: literal ? parseDurationMs(literal[1]!.replace(/_/g, '')) : null });
    }
  }
  return found;
}

describe('shutdown grace time', () => {
  it('when the workflow sources are read, then no activity timeout exceeds LONGEST_ACTIVITY_START_TO_CLOSE_MS and every one is a literal this test can read', () => {
    const timeouts = activityTimeouts();
    expect(timeouts.length).toBeGreaterThan(0);
    // A timeout written as a name: point this test (or the grace time) at where it is defined.
    expect(timeouts.filter((t) => t.ms === null)).toEqual([]);
    expect(Math.max(...timeouts.map((t) => t.ms!))).toBe(LONGEST_ACTIVITY_START_TO_CLOSE_MS);
  });

  it('when a worker is asked to stop, then it waits the longest start-to-close plus a margin', () => {
    expect(SHUTDOWN_GRACE_MS).toBeGreaterThan(LONGEST_ACTIVITY_START_TO_CLOSE_MS);
    expect(SHUTDOWN_GRACE_MS - LONGEST_ACTIVITY_START_TO_CLOSE_MS).toBeLessThanOrEqual(10_000);
  });
});
