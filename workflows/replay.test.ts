// Determinism guard: every recorded history (one per saga path, workflows/histories/) must replay
// against the current workflow code. A change that would break running sagas fails here; make such
// changes with patched() and re-record (npm run record-histories). `v1-*.json` are the histories of
// the first release, `v2-*.json` those of the shape before the patch `local-order-steps-concurrent-
// reservations` (every step a regular activity, one after the other) and `v3-*.json` those before
// `update-started-writes-after-acceptance` (the writes an update starts were local activities), kept
// so sagas started on them are proven to finish on today's code.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { quietRuntime } from '../test/harness';
import { FIXTURE_PAYLOAD_KEYS } from '../test/fixture-payload-keys';
import { dataConverterFor, newKeyRingEntry, parseKeyRing } from '../platform/payload-codec';
import { workflowSpanSinks } from '../workers/worker-tracing';

quietRuntime(); // replaying workers would otherwise log every state change

const dir = path.join(__dirname, 'histories');
// Histories are encrypted (the fixtures key); a newer key is active here and the fixtures key only
// kept, as after a rotation: what was written under an older key still decodes and replays.
const dataConverter = dataConverterFor(parseKeyRing(`${newKeyRingEntry('rotated')},${FIXTURE_PAYLOAD_KEYS}`));
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

describe('replay of recorded order sagas', () => {
  it('keeps the first release\'s histories and those of the two shapes since', () => {
    expect(fixtures.filter((f) => f.startsWith('v1-'))).toHaveLength(10);
    expect(fixtures.filter((f) => f.startsWith('v2-'))).toHaveLength(13);
    expect(fixtures.filter((f) => f.startsWith('v3-'))).toHaveLength(13);
  });

  it('has a history for every saga path', () => {
    expect(fixtures.map((f) => f.replace('.json', ''))).toEqual(expect.arrayContaining([
      'shipped', 'out-of-stock', 'credit-limit-exceeded', 'payment-declined', 'payment-flaky', 'shipment-failed',
      'cancelled-waiting', 'dispatched-by-admin', 'revised-then-dispatched', 'revision-rejected-then-cancelled',
      'revised-up-down-then-cancelled', 'revision-extra-charge-declined', 'revision-overtaken-by-rejection',
    ]));
  });

  it('records today\'s shape: both patch markers, the order\'s 4 steps as local activities, 6 regular activities', () => {
    const history = JSON.parse(readFileSync(path.join(dir, 'shipped.json'), 'utf8')) as { events: { eventType: string; markerRecordedEventAttributes?: { markerName?: string } }[] };
    const markers = history.events.filter((e) => e.eventType === 'EVENT_TYPE_MARKER_RECORDED').map((e) => e.markerRecordedEventAttributes?.markerName);
    expect(markers.filter((m) => m === 'core_patch')).toHaveLength(2);
    expect(markers.filter((m) => m === 'core_local_activity')).toHaveLength(4);
    expect(history.events.filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')).toHaveLength(6);
  });

  // Both bundles a worker may make (workers/worker-tracing.ts): a deployment may run workers of each
  // kind side by side, and a saga moves between them.
  const bundles = [['without a span collector', 'TEST_WORKFLOW_BUNDLE'], ['with OpenTelemetry\'s interceptors', 'TEST_WORKFLOW_BUNDLE_TRACED']] as const;
  it.each(fixtures.flatMap((file) => bundles.map(([kind, variable]) => [file, kind, variable] as const)))(
    'when %s is replayed on the current code (%s), then it is deterministic', async (file, _kind, variable) => {
      // runReplayHistory takes the CLI's JSON form of a history as it is.
      const history: unknown = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
      await expect(Worker.runReplayHistory({ workflowBundle: { codePath: process.env[variable]! }, dataConverter, sinks: workflowSpanSinks() }, history, `replay-${file}`)).resolves.toBeUndefined();
    });
});
