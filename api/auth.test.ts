// verifyToken's cache of verified tokens: a hit never outlives the token, never admits a token that
// was not verified, and never lets one request change what another sees.
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { loadConfig } from '../platform/config';
import { issueToken, verifyToken } from './auth';

const config = () => loadConfig({ NODE_ENV: 'test', JWT_SECRET: randomUUID() + randomUUID(), JWT_TTL: '2s' });

afterEach(() => { jest.useRealTimers(); });

describe('verifyToken with its cache of verified tokens', () => {
  it('when a token that was accepted (and cached) expires, then it is refused as expired, at the second jsonwebtoken would refuse it', () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00.500Z'), doNotFake: ['nextTick', 'setImmediate'] });
    const c = config();
    const customerId = randomUUID();
    const { accessToken } = issueToken(c, { customerId, role: 'customer' });
    expect(verifyToken(c, accessToken)).toMatchObject({ customerId, role: 'customer' });
    jest.setSystemTime(new Date('2026-01-01T00:00:01.999Z'));
    expect(verifyToken(c, accessToken).customerId).toBe(customerId);
    jest.setSystemTime(new Date('2026-01-01T00:00:02.000Z')); // exp is 00:00:02
    expect(() => verifyToken(c, accessToken)).toThrow('the access token has expired');
    expect(() => jwt.verify(accessToken, c.JWT_SECRET)).toThrow(jwt.TokenExpiredError);
  });

  it('when a cached token is presented with its signature changed, then that token is verified in full and refused', () => {
    const c = config();
    const { accessToken } = issueToken(c, { customerId: randomUUID(), role: 'customer' });
    verifyToken(c, accessToken);
    const [header, payload, signature] = accessToken.split('.');
    const forged = `${header}.${payload}.${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(() => verifyToken(c, forged)).toThrow('the access token is invalid');
  });

  it('when the same token text is checked under another configuration (secret), then it is verified against that one', () => {
    const [a, b] = [config(), config()];
    const { accessToken } = issueToken(a, { customerId: randomUUID(), role: 'admin' });
    expect(verifyToken(a, accessToken).role).toBe('admin');
    expect(() => verifyToken(b, accessToken)).toThrow('the access token is invalid');
  });

  it('when two requests present the same token, then they share one principal no request can change', () => {
    const c = config();
    const { accessToken } = issueToken(c, { customerId: randomUUID(), role: 'customer' });
    const first = verifyToken(c, accessToken);
    expect(verifyToken(c, accessToken)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => { (first as { role: string }).role = 'admin'; }).toThrow(TypeError);
  });
});
