// The web console as the API serves it: built by the project's own script, under 100 KB of gzipped
// JavaScript, a strict Content-Security-Policy (no inline script or style, nothing from elsewhere),
// no CDN and no tracker — and every route the API had before still answers as it did.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import express from 'express';
import request from 'supertest';
import { startTestStack, tokenFor, type TestStack } from '../harness';
import { adminToken } from '../api-kit';
import { CONSOLE_CSP, CONSOLE_DIR, consoleRouter } from '../../api/routes/console.routes';
import { errorMiddleware } from '../../api/problem';
import { createLogger } from '../../platform/logger';

const ROOT = path.resolve(__dirname, '..', '..');
const JS_GZIP_BUDGET = 100 * 1024;
let stack: TestStack;

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-console.mjs'), '--quiet']);
  stack = await startTestStack({ api: true, contexts: [] });
}, 60_000);
afterAll(async () => { await stack?.stop(); });

const get = (p: string, headers: Record<string, string> = {}) => fetch(`${stack.baseUrl}${p}`, { headers });

describe('GET /', () => {
  it('when a browser opens the API\'s root, then it gets the console page under a strict CSP, with no inline script or style and nothing from another origin', async () => {
    const res = await get('/', { Accept: 'text/html' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toBe(CONSOLE_CSP);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/console\/assets\/[^"]+\.js"/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('when its JavaScript is fetched, then it is served from /console/assets, cacheable for good, and under 100 KB gzipped in all', async () => {
    const html = await (await get('/')).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    for (const asset of assets) {
      const res = await get(asset);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toContain('immutable');
      expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    }
    // Everything the build produced, not only what the page names first (lazy chunks count too).
    const files = readdirSync(path.join(CONSOLE_DIR, 'assets')).filter((f) => f.endsWith('.js'));
    const gzipped = files.reduce((sum, f) => sum + gzipSync(readFileSync(path.join(CONSOLE_DIR, 'assets', f)), { level: 9 }).length, 0);
    console.log(`[console] ${files.length} JS file(s), ${(gzipped / 1024).toFixed(1)} KB gzipped (budget ${JS_GZIP_BUDGET / 1024} KB)`);
    expect(gzipped).toBeLessThan(JS_GZIP_BUDGET);
    // No CDN, no tracker: the only absolute URLs in the code are XML namespace names.
    for (const f of files) {
      const urls = readFileSync(path.join(CONSOLE_DIR, 'assets', f), 'utf8').match(/https?:\/\/[^\s"'`)]+/g) ?? [];
      expect(urls.filter((u) => !u.startsWith('http://www.w3.org/'))).toEqual([]);
    }
  });

  it('when the console has not been built, then / answers 503 CONSOLE_NOT_BUILT saying how to build it', async () => {
    const app = express().use(consoleRouter({ config: stack.config }, path.join(ROOT, 'test-artifacts', 'no-console-here'))).use(errorMiddleware(createLogger({ level: 'silent' })));
    const res = await request(app).get('/');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'CONSOLE_NOT_BUILT', detail: expect.stringContaining('npm run build:console') });
  });
});

describe('GET /console/config', () => {
  it('when an admin asks, then it says where the Temporal Web UI is; a customer gets 403 and nobody 401', async () => {
    const admin = await get('/console/config', { Authorization: `Bearer ${adminToken(stack)}` });
    expect(admin.status).toBe(200);
    expect(await admin.json()).toEqual({ temporalUiUrl: stack.config.TEMPORAL_UI_URL, temporalNamespace: stack.config.TEMPORAL_NAMESPACE });
    expect((await get('/console/config', { Authorization: `Bearer ${tokenFor(stack.config, '00000000-0000-4000-8000-000000000000')}` })).status).toBe(403);
    expect((await get('/console/config')).status).toBe(401);
  });
});

describe('the API around the console', () => {
  it('when the other routes are asked, then they answer as before: JSON, the docs page, health, and 404 problems under the API\'s own CSP', async () => {
    const live = await get('/health/live');
    expect(live.status).toBe(200);
    expect(live.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    const docs = await get('/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
    expect((await get('/products?limit=1')).status).toBe(200);
    for (const missing of ['/console/assets/nope.js', '/index.html', '/console']) {
      const res = await get(missing);
      expect({ missing, status: res.status }).toEqual({ missing, status: 404 });
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });
});
