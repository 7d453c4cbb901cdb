// The codec server of the Temporal Web UI and CLI (shared/API.md, "Operations and data protection"),
// mounted at /codec: POST /codec/decode and /codec/encode take and answer `{"payloads":[…]}` —
// Temporal's Payloads as protobuf JSON, metadata values and data in base64 — with the key ring every
// client and worker of ours uses (platform/payload-codec.ts), so after a rotation old payloads still
// decode. It answers admins only, and never anyone else:
//  - the CLI sends `Authorization: Bearer <admin access token>` (`--codec-auth`);
//  - a browser cannot attach our token (the Web UI's "pass access token" sends the UI's own OIDC
//    token, over https only), so an admin signs in once at GET /codec/login; that sets an HttpOnly,
//    SameSite=Strict cookie for /codec only, holding a token whose audience is the codec's alone (it
//    opens nothing else of the API), and the Web UI sends it with "include credentials".
// CORS answers the Web UI's origin (TEMPORAL_UI_URL) only, with credentials; a request from any other
// origin is refused before anything is read.
// It runs in the API process, which already holds the key ring (its Temporal client encodes with it)
// and the accounts, token checks and rate limits a separate server would have to duplicate.
import { Router, json, urlencoded, type Request, type RequestHandler, type Response } from 'express';
import bcrypt from 'bcryptjs';
import { JSONToPayload, payloadToJSON, type Payload } from '@temporalio/common/lib/proto-utils';
import { z } from 'zod';
import type { PrismaClient } from '../../platform/prisma';
import type { Config } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import { EncryptionCodec, payloadKeys } from '../../platform/payload-codec';
import { authenticate, issueToken, verifyToken } from '../auth';
import { HttpError } from '../problem';
import { parse } from '../validation';
import { rateLimit } from '../rate-limit';
import { tokenBody } from '../schemas';

export const CODEC_COOKIE = 'codec_session';
/** The audience of a codec sign-in's token: the API's own routes refuse it. */
export const codecAudience = (config: Pick<Config, 'JWT_AUDIENCE'>) => `${config.JWT_AUDIENCE}:codec`;

export const payloadsBody = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).nullish(), data: z.string().nullish() })).max(10_000),
});

const originOf = (url: string) => {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
};

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('Cookie') ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

export function codecRouter(deps: { prisma: PrismaClient; config: Config; logger: Logger }): Router {
  const { prisma, config, logger } = deps;
  const router = Router();
  const codec = new EncryptionCodec(payloadKeys(config));
  const codecJwt = { ...config, JWT_AUDIENCE: codecAudience(config) };
  const uiOrigin = originOf(config.TEMPORAL_UI_URL);
  const dummyHash = bcrypt.hashSync('not-a-real-password', config.BCRYPT_ROUNDS);

  // Browsers send Origin on every cross-origin request: only the Web UI's gets CORS headers, any
  // other is refused (its preflight too). The CLI and curl send none.
  const webUiOnly: RequestHandler = (req, res, next) => {
    res.vary('Origin');
    const origin = req.get('Origin');
    if (origin === undefined) return next();
    if (origin !== uiOrigin) return next(new HttpError(403, 'FORBIDDEN', 'the codec answers browsers on the Temporal Web UI\'s origin (TEMPORAL_UI_URL) only'));
    res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' });
    if (req.method !== 'OPTIONS') return next();
    res.set({ 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'X-Namespace, Content-Type, Authorization', 'Access-Control-Max-Age': '600' });
    res.status(204).end();
  };

  const bearerAdmin = authenticate(config, 'admin');
  /**
   * An admin by the codec sign-in cookie (Web UI) or else by bearer token (CLI); checked before the
   * body is read. The cookie wins: a Web UI set to "pass access token" too sends its own OIDC token,
   * which is not ours.
   */
  const admin: RequestHandler = (req, res, next) => {
    const session = cookie(req, CODEC_COOKIE);
    if (!session && req.get('Authorization') !== undefined) return bearerAdmin(req, res, next);
    if (!session) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return next(new HttpError(401, 'UNAUTHENTICATED', 'an admin access token (Authorization: Bearer …) or a codec sign-in (GET /codec/login) is required'));
    }
    try {
      req.principal = verifyToken(codecJwt, session);
    } catch (error) {
      return next(error);
    }
    if (req.principal.role !== 'admin') return next(new HttpError(403, 'FORBIDDEN', 'this needs the admin role'));
    next();
  };

  /** The namespace the client names must be ours: our key ring is for this namespace's payloads. */
  const ourNamespace: RequestHandler = (req, _res, next) => {
    const namespace = req.get('X-Namespace');
    if (namespace !== undefined && namespace !== config.TEMPORAL_NAMESPACE) {
      return next(new HttpError(400, 'VALIDATION_FAILED', `this codec serves namespace ${config.TEMPORAL_NAMESPACE} only`, [{ path: 'X-Namespace', message: `must be ${config.TEMPORAL_NAMESPACE}` }]));
    }
    next();
  };

  const readPayloads = (req: Request): Payload[] => {
    if (!req.is('application/json')) throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send {"payloads":[…]} as application/json');
    const { payloads } = parse(payloadsBody, req.body);
    return payloads.map((payload, i) => {
      try {
        return JSONToPayload(payload);
      } catch {
        throw new HttpError(400, 'VALIDATION_FAILED', 'a payload is not protobuf JSON', [{ path: `payloads.${i}`, message: 'metadata values and data must be base64' }]);
      }
    });
  };
  const answer = (res: Response, payloads: Payload[]) =>
    void res.set('Cache-Control', 'no-store').json({ payloads: payloads.map(payloadToJSON) });

  const body = json({ limit: '8mb', type: 'application/json' });
  router.options(['/decode', '/encode'], webUiOnly);
  router.post('/decode', webUiOnly, admin, ourNamespace, body, async (req, res) => {
    const payloads = readPayloads(req);
    let decoded: Payload[];
    try {
      decoded = await codec.decode(payloads);
    } catch (error) {
      throw new HttpError(422, 'PAYLOAD_UNDECODABLE', `a payload cannot be decoded: ${(error as Error).message}`);
    }
    // Who saw personal data, and how much: no payload content is logged.
    logger.info({ requestId: req.id, adminId: req.principal!.customerId, payloads: payloads.length }, 'codec: payloads decoded for an admin');
    answer(res, decoded);
  });
  router.post('/encode', webUiOnly, admin, ourNamespace, body, async (req, res) => {
    answer(res, await codec.encode(readPayloads(req)));
  });

  // The sign-in of a browser (the Web UI's decoding). A page of our own origin, so no CORS.
  const signIn = rateLimit({ limit: config.TOKEN_RATE_LIMIT, windowMs: 60_000 });
  router.get('/login', (req, res) => {
    page(res, 200, 'Sign in to decode payloads', signInForm(cookie(req, CODEC_COOKIE) ? 'You are signed in already; sign in again to renew.' : ''));
  });
  router.post('/login', signIn, urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    // The rules of POST /auth/token's body (no NUL, no unpaired surrogate, bounded): PostgreSQL
    // refuses a NUL in text, which made such a form a 500.
    const form = tokenBody.safeParse({ email: '', password: '', ...(req.body ?? {}) });
    if (!form.success) {
      return page(res, 400, 'Sign in to decode payloads', signInForm('Enter an email and a password: text of at most 254 and 200 characters, without NUL characters.'));
    }
    const { email, password } = form.data;
    const customer = email ? await prisma.customer.findUnique({ where: { email } }) : null;
    const ok = await bcrypt.compare(password, customer?.passwordHash ?? dummyHash);
    if (!customer || !ok || customer.role !== 'admin') {
      return page(res, 401, 'Sign in to decode payloads', signInForm('Wrong email or password, or not an admin account.'));
    }
    const { accessToken, expiresIn } = issueToken(codecJwt, { customerId: customer.id, role: 'admin' });
    res.cookie(CODEC_COOKIE, accessToken, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/codec', maxAge: expiresIn * 1000 });
    logger.info({ requestId: req.id, adminId: customer.id }, 'codec: admin signed in for Web UI decoding');
    const until = new Date(Date.now() + expiresIn * 1000).toISOString().slice(0, 16).replace('T', ' ');
    page(res, 200, 'Signed in', `<p>This browser may decode payloads in the Temporal Web UI until ${until} UTC.</p>
<p>In the Web UI (${escapeHtml(config.TEMPORAL_UI_URL)}), the codec server must be called <em>with credentials</em>:
a UI server configured with <code>codec.includeCredentials</code> does so; for the dev server of <code>npm start</code>,
open the UI's <em>Codec Server</em> settings once, choose your browser's setting, enter
<code>${escapeHtml(codecEndpoint(req))}</code> and tick <em>Include cross-origin credentials</em>.</p>
<p><a href="${escapeHtml(config.TEMPORAL_UI_URL)}">Open the Temporal Web UI</a></p>
<form method="post" action="/codec/logout"><button type="submit">Sign out</button></form>`);
  });
  router.post('/logout', (_req, res) => {
    res.clearCookie(CODEC_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/codec' });
    page(res, 200, 'Signed out', '<p>This browser can no longer decode payloads. <a href="/codec/login">Sign in</a></p>');
  });
  return router;
}

/** The codec endpoint as this request reached it (what the Web UI must call). */
const codecEndpoint = (req: Request) => `${req.protocol}://${req.get('Host') ?? 'localhost'}/codec`;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const signInForm = (message: string) => `${message ? `<p class="note">${escapeHtml(message)}</p>` : ''}
<p>Admins only: decoded payloads hold customers' addresses.</p>
<form method="post" action="/codec/login">
<label>Email <input name="email" type="email" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>`;

function page(res: Response, status: number, title: string, body: string): void {
  res.status(status)
    .set({ 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'" })
    .type('html')
    .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Saga Orders codec: ${title}</title>
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}label{display:block;margin:.5rem 0}input{display:block;width:100%;padding:.3rem}.note{color:#a00}</style>
</head><body><h1>${title}</h1>${body}</body></html>`);
}
