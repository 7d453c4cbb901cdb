// The codec server of the Temporal Web UI and CLI (api/routes/codec.routes.ts) over HTTP: it decodes
// for admins and nobody else, speaks the codec protocol (Payloads as protobuf JSON), answers CORS for
// the Web UI's origin only, and decodes payloads of keys rotated out of the active place.
import { randomUUID } from 'node:crypto';
import { JSONToPayload, payloadToJSON } from '@temporalio/common/lib/proto-utils';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, newKeyRingEntry, parseKeyRing } from '../platform/payload-codec';
import { aCustomer, startTestStack, tokenFor, type TestStack } from '../test/harness';
import { adminToken, call, expectProblem } from '../test/api-kit';
import { CODEC_COOKIE } from './routes/codec.routes';

const UI = 'http://127.0.0.1:18233';
// The run's key ring stays in the ring, but a new key is active: payloads of the run are "old" here.
const runRing = process.env.PAYLOAD_KEYS!;
const rotated = newKeyRingEntry('rotated');

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ api: true, contexts: [], env: { TEMPORAL_UI_URL: `${UI}/`, PAYLOAD_KEYS: `${rotated},${runRing}` } });
});
afterAll(async () => { await stack?.stop(); });

const address = { line1: '9 Codec Lane', city: `Decodeville-${randomUUID().slice(0, 8)}`, postalCode: '10001', country: 'US' };
const plain = (value: unknown) => payloadToJSON(defaultPayloadConverter.toPayload(value));
const valueOf = (json: any) => defaultPayloadConverter.fromPayload(JSONToPayload(json));
/** Encrypted as the run's clients and workers did before the rotation (the old, no longer active key). */
const underOldKey = async (value: unknown) => payloadToJSON((await new EncryptionCodec(parseKeyRing(runRing)).encode([defaultPayloadConverter.toPayload(value)]))[0]!);
const decode = (body: unknown, headers: Record<string, string> = {}, token?: string) => call(stack, 'POST', '/codec/decode', { body, headers, token });

describe('POST /codec/decode', () => {
  it('when an admin sends a payload encrypted under a key rotated out of the active place, then it comes back decoded', async () => {
    const payload = await underOldKey({ shippingAddress: address });
    expect(Buffer.from(payload.data!, 'base64').toString('latin1')).not.toContain(address.city);

    const reply = await decode({ payloads: [payload, plain('not encrypted')] }, { 'X-Namespace': 'default' }, adminToken(stack));

    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.body.payloads.map(valueOf)).toEqual([{ shippingAddress: address }, 'not encrypted']);
  });

  it('when the caller has no token, a customer\'s token, an invalid one or an API token in the codec cookie, then 401/403 problem+json and nothing decoded', async () => {
    const body = { payloads: [await underOldKey({ shippingAddress: address })] };
    const { customerId } = await aCustomer(stack.prisma);
    const none = await decode(body);
    expectProblem(none, 401, 'UNAUTHENTICATED');
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expectProblem(await decode(body, {}, tokenFor(stack.config, customerId)), 403, 'FORBIDDEN');
    expectProblem(await decode(body, {}, 'not.a.token'), 401, 'UNAUTHENTICATED');
    // The API's own admin token is not a codec sign-in (another audience).
    expectProblem(await decode(body, { Cookie: `${CODEC_COOKIE}=${adminToken(stack)}` }), 401, 'UNAUTHENTICATED');
  });

  it('when the payloads are not Payloads JSON, another namespace is named or a key is unknown, then 400/415/422 — never a 5xx', async () => {
    const admin = adminToken(stack);
    expectProblem(await decode({ payloads: 'x' }, {}, admin), 400, 'VALIDATION_FAILED');
    expectProblem(await decode({ payloads: [{ data: '%%%' }] }, {}, admin), 400, 'VALIDATION_FAILED');
    expectProblem(await decode({ payloads: [] }, { 'X-Namespace': 'someone-else' }, admin), 400, 'VALIDATION_FAILED');
    const foreign = payloadToJSON((await new EncryptionCodec(parseKeyRing(newKeyRingEntry('elsewhere'))).encode([defaultPayloadConverter.toPayload(1)]))[0]!);
    const unknownKey = await decode({ payloads: [foreign] }, {}, admin);
    expectProblem(unknownKey, 422, 'PAYLOAD_UNDECODABLE');
    expect(unknownKey.body.detail).toContain('"elsewhere"');
    const res = await fetch(`${stack.baseUrl}/codec/decode`, { method: 'POST', headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'text/plain' }, body: '{}' });
    expect(res.status).toBe(415);
  });
});

describe('POST /codec/encode', () => {
  it('when an admin encodes and decodes, then the round trip gives the value back and the encoded payload is ciphertext under the active key', async () => {
    const admin = adminToken(stack);
    const encoded = await call(stack, 'POST', '/codec/encode', { token: admin, body: { payloads: [plain({ shippingAddress: address })] } });
    expect(encoded.status).toBe(200);
    const [payload] = encoded.body.payloads;
    expect(Buffer.from(payload.metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(payload.metadata['encryption-key-id'], 'base64').toString()).toBe('rotated');
    expect(Buffer.from(payload.data, 'base64').toString('latin1')).not.toContain(address.city);

    const decoded = await decode({ payloads: [payload] }, {}, admin);
    expect(decoded.body.payloads.map(valueOf)).toEqual([{ shippingAddress: address }]);
  });

  it('when a customer encodes, then 403', async () => {
    const { customerId } = await aCustomer(stack.prisma);
    expectProblem(await call(stack, 'POST', '/codec/encode', { token: tokenFor(stack.config, customerId), body: { payloads: [plain(1)] } }), 403, 'FORBIDDEN');
  });
});

describe('CORS', () => {
  const preflight = (origin: string) => fetch(`${stack.baseUrl}/codec/decode`, {
    method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace' },
  });

  it('when the Web UI\'s origin asks, then the preflight allows POST with X-Namespace, Content-Type, Authorization and credentials', async () => {
    const res = await preflight(UI);
    expect(res.status).toBe(204);
    expect(Object.fromEntries(['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-methods', 'access-control-allow-headers'].map((h) => [h, res.headers.get(h)]))).toEqual({
      'access-control-allow-origin': UI, 'access-control-allow-credentials': 'true', 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'X-Namespace, Content-Type, Authorization',
    });
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('when any other origin asks, then the preflight and the request are refused without CORS headers', async () => {
    for (const origin of ['http://127.0.0.1:18234', 'https://evil.example', 'null']) {
      const res = await preflight(origin);
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
    const post = await decode({ payloads: [await underOldKey(address)] }, { Origin: 'https://evil.example' }, adminToken(stack));
    expectProblem(post, 403, 'FORBIDDEN');
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('Web UI sign-in (/codec/login)', () => {
  const signIn = (email: string, password: string) => fetch(`${stack.baseUrl}/codec/login`, {
    method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ email, password }).toString(),
  });

  it('when an admin signs in, then an HttpOnly, SameSite=Strict cookie for /codec decodes for the Web UI\'s origin, and opens nothing else of the API', async () => {
    const page = await fetch(`${stack.baseUrl}/codec/login`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post" action="/codec/login">');

    const res = await signIn(stack.config.ADMIN_EMAIL, stack.config.ADMIN_PASSWORD);
    expect(res.status).toBe(200);
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(new RegExp(`^${CODEC_COOKIE}=[\\w.-]+; Max-Age=3600; Path=/codec; Expires=.+; HttpOnly; SameSite=Strict$`));
    const session = setCookie.split(';')[0]!;

    const body = { payloads: [await underOldKey({ shippingAddress: address })] };
    const reply = await decode(body, { Cookie: session, Origin: UI, 'X-Namespace': 'default' });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('access-control-allow-origin')).toBe(UI);
    expect(reply.headers.get('access-control-allow-credentials')).toBe('true');
    expect(reply.body.payloads.map(valueOf)).toEqual([{ shippingAddress: address }]);
    // A UI that also passes its own (OIDC) access token still decodes: the sign-in decides.
    expect((await decode(body, { Cookie: session, Origin: UI }, 'oidc.token.of-the-ui')).status).toBe(200);

    // The cookie's token is the codec's alone: as a bearer token the API refuses it.
    const asBearer = await call(stack, 'GET', '/admin/stuck-orders', { token: session.split('=')[1] });
    expectProblem(asBearer, 401, 'UNAUTHENTICATED');

    const out = await fetch(`${stack.baseUrl}/codec/logout`, { method: 'POST' });
    expect(out.headers.get('set-cookie')).toMatch(new RegExp(`^${CODEC_COOKIE}=; Path=/codec; Expires=Thu, 01 Jan 1970`));
  });

  // Found by chaos's Schemathesis run: a NUL in the form's email reached PostgreSQL (22021) → 500.
  it.each([
    ['an email with a NUL', 'admin\u0000@example.com', 'password123'],
    ['a password with a NUL', 'admin@example.com', 'pass\u0000word'],
    ['an email of 300 characters', `${'a'.repeat(290)}@example.com`, 'password123'],
  ])('when the sign-in form carries %s, then 400 with the form again and no cookie', async (_what, email, password) => {
    const res = await signIn(email, password);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('<form method="post" action="/codec/login">');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('when a customer or a wrong password signs in, then 401 and no cookie', async () => {
    const { email } = await aCustomer(stack.prisma, { password: 'password123' });
    for (const [who, password] of [[email, 'password123'], [stack.config.ADMIN_EMAIL, 'wrong-password'], ['nobody@example.com', 'x']]) {
      const res = await signIn(who!, password!);
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });
});
