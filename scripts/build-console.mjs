#!/usr/bin/env node
// Builds the web console (console/ → dist/console, served by the API at `/`) when the output is
// missing or was built from other sources: the stamp is a hash of every file under console/, the
// domain module it imports and the lockfile, so a checkout, an edit or an upgrade rebuilds and
// nothing else does. Run by scripts/provision.mjs (npm start, npm test, npm run bench) and by the
// console's end-to-end tests; `--force` rebuilds regardless. The output is never committed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist', 'console');
const stamp = path.join(outDir, '.source-hash');

function filesUnder(dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

export function consoleSourceHash() {
  const hash = createHash('sha256');
  const sources = [...filesUnder(path.join(root, 'console')), path.join(root, 'domain', 'orders', 'order.status.ts'), path.join(root, 'package-lock.json')];
  for (const file of sources) hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

/** Builds unless up to date; returns whether it built. */
export function buildConsole({ force = false, quiet = false } = {}) {
  const hash = consoleSourceHash();
  if (!force && existsSync(path.join(outDir, 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) {
    if (!quiet) console.log('[provision] web console: up to date');
    return false;
  }
  if (!quiet) console.log('[provision] building the web console (vite) …');
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(root, 'console', 'vite.config.mjs')], { cwd: root, stdio: quiet ? 'ignore' : 'inherit' });
  writeFileSync(stamp, hash);
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildConsole({ force: process.argv.includes('--force'), quiet: process.argv.includes('--quiet') });
}
