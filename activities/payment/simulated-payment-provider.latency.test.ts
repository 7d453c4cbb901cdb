// The simulated provider's answer time (PAYMENT_PROVIDER_LATENCY_MS ± PAYMENT_PROVIDER_JITTER_MS):
// pure arithmetic over the random draw, so no database is needed here.
import { providerDelayMs } from './simulated-payment-provider';
import { loadConfig } from '../../platform/config';

describe('providerDelayMs', () => {
  it.each([
    [0, 150, 100],
    [0.5, 150, 150],
    [0.999999, 150, 200],
  ])('when the draw is %p with 150 ± 50 ms, then the call takes %p… ms', (draw, latencyMs, expected) => {
    expect(providerDelayMs({ latencyMs, jitterMs: 50 }, () => draw)).toBe(expected);
  });

  it('when no latency is configured, then calls answer at once and draw nothing', () => {
    const random = jest.fn(() => 0.3);
    expect(providerDelayMs({ latencyMs: 0, jitterMs: 0 }, random)).toBe(0);
    expect(random).not.toHaveBeenCalled();
  });

  it('when the jitter exceeds the latency, then a call never takes negative time', () => {
    expect(providerDelayMs({ latencyMs: 20, jitterMs: 100 }, () => 0)).toBe(0);
  });

  it('when PAYMENT_PROVIDER_LATENCY_MS and _JITTER_MS are unset, then both default to 0 and PAYMENT_WORKER_CONCURRENCY to unset', () => {
    const config = loadConfig({ NODE_ENV: 'test' }, { secrets: false });
    expect([config.PAYMENT_PROVIDER_LATENCY_MS, config.PAYMENT_PROVIDER_JITTER_MS, config.PAYMENT_WORKER_CONCURRENCY]).toEqual([0, 0, undefined]);
  });

  it('when they are set, then they are read as integers', () => {
    const config = loadConfig({ NODE_ENV: 'test', PAYMENT_PROVIDER_LATENCY_MS: '150', PAYMENT_PROVIDER_JITTER_MS: '50', PAYMENT_WORKER_CONCURRENCY: '2' }, { secrets: false });
    expect([config.PAYMENT_PROVIDER_LATENCY_MS, config.PAYMENT_PROVIDER_JITTER_MS, config.PAYMENT_WORKER_CONCURRENCY]).toEqual([150, 50, 2]);
  });
});
