// The web console (console/, built into dist/console by scripts/build-console.mjs): its page at `/`,
// its hashed assets under /console/assets, and GET /console/config, what an operator's console needs
// of the configuration (the Temporal Web UI's address, admin only). The console's responses carry
// their own Content-Security-Policy: scripts, styles and requests from this origin only, no inline
// script or style, no framing; every other route keeps the API's `default-src 'none'`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import type { Config } from '../../platform/config';
import { authenticate } from '../auth';
import { HttpError } from '../problem';

export const CONSOLE_DIR = path.resolve(__dirname, '..', '..', 'dist', 'console');

export const CONSOLE_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

const consoleHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', CONSOLE_CSP);
  next();
};

export function consoleRouter(deps: { config: Config }, dir = CONSOLE_DIR): Router {
  const { config } = deps;
  const router = Router();
  const index = path.join(dir, 'index.html');

  router.get('/', consoleHeaders, (_req, res) => {
    // Checked per request: `npm start` builds the console before the API starts, but a bare
    // `node api/server.ts` may run before any build.
    if (!existsSync(index)) throw new HttpError(503, 'CONSOLE_NOT_BUILT', 'the web console is not built: run `npm run build:console` (npm start and npm test build it)');
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  // Hashed file names: a new build is a new URL, so the browser may keep these for good.
  router.use('/console/assets', consoleHeaders, express.static(path.join(dir, 'assets'), { index: false, immutable: true, maxAge: '365d', fallthrough: true, redirect: false }));
  router.get('/console/config', authenticate(config, 'admin'), (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ temporalUiUrl: config.TEMPORAL_UI_URL, temporalNamespace: config.TEMPORAL_NAMESPACE });
  });
  return router;
}
