// What an operator sees of personal data in Temporal: a real saga placed over HTTP is ciphertext in
// the CLI's raw history; the API's codec server decodes it for an admin — in the CLI with
// `--codec-endpoint`/`--codec-auth`, and in the dev server's Web UI (real Chromium) started with
// `--ui-codec-endpoint` as `npm start` does, after the admin signed in at /codec/login — and for
// nobody else.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { startTemporalDevServer, temporalBinary, type DevServer } from '../../dev/temporal-dev-server';
import { orderWorkflowId } from '../../domain/orders/order.commands';
import { startTestStack, tokenFor, type TestStack } from '../harness';
import { adminToken, orderBody, placed, shopper, untilStatus } from '../api-kit';
import { freePort } from '../free-port';

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

let temporal: DevServer;
let stack: TestStack;
let ui: string;
let codec: string;
let browser: Browser | undefined;
const city = `Cipherton-${randomUUID().slice(0, 8)}`;
const card = `tok_secret_${randomUUID()}`;
let orderId: string;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // A dev server of its own, because its Web UI must know the codec endpoint before it starts: the
  // API's port is chosen first, as `npm start` knows PORT.
  const [apiPort, port, uiPort] = [await freePort(), await freePort(), await freePort()];
  ui = `http://127.0.0.1:${uiPort}`;
  codec = `http://127.0.0.1:${apiPort}/codec`;
  temporal = await startTemporalDevServer({ dbFile: path.join(process.env.TEST_DIR!, `codec-${port}.db`), port, uiPort, uiCodecEndpoint: codec });
  stack = await startTestStack({ api: true, apiPort, env: { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_UI_URL: ui } });
  const s = await shopper(stack);
  const body = orderBody(s.productId, 1, card);
  body.shippingAddress.city = city;
  orderId = await placed(stack, s.token, body);
  await untilStatus(stack, s.token, orderId, 'SHIPPED');
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await temporal?.stop();
});

/**
 * `temporal workflow show --output json` of the order's saga, with extra CLI options. Asynchronous:
 * the codec server it calls answers from this very process.
 */
const show = (...options: string[]) => new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
  execFile(temporalBinary(), ['workflow', 'show', '--address', temporal.address, '-w', orderWorkflowId(orderId), '--output', 'json', ...options], { encoding: 'utf8', timeout: 30_000 },
    (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
});
/** Every payload's data in a CLI history, as text. */
const payloadData = (json: string) => {
  const datas: string[] = [];
  JSON.parse(json, (key, value) => { if (key === 'data' && typeof value === 'string') datas.push(Buffer.from(value, 'base64').toString('latin1')); return value; });
  return datas;
};

describe('the CLI', () => {
  it('when the history is shown without the codec, then neither the shipping city nor the card token is in it', async () => {
    const raw = await show();
    expect(raw.status).toBe(0);
    expect(raw.stdout).toContain(Buffer.from('binary/encrypted').toString('base64'));
    for (const secret of [city, card]) {
      expect(raw.stdout).not.toContain(secret);
      expect(payloadData(raw.stdout).filter((d) => d.includes(secret))).toEqual([]);
    }
  });

  it('when an admin shows it with --codec-endpoint and --codec-auth, then the input is decoded: the city, and a payment-method reference instead of the card token', async () => {
    const decoded = await show('--codec-endpoint', codec, '--codec-auth', `Bearer ${adminToken(stack)}`);
    expect(decoded.status).toBe(0);
    const datas = payloadData(decoded.stdout);
    const input = JSON.parse(datas.find((d) => d.includes(city))!);
    expect(input).toMatchObject({ orderId, shippingAddress: { city }, paymentToken: expect.stringMatching(/^pm_[0-9a-f]{32}$/) });
    expect(decoded.stdout).not.toContain(card);
    expect(datas.filter((d) => d.includes(card))).toEqual([]);
  });

  it('when a customer or nobody asks the codec, then the CLI gets no decoded payload (it gives up after its deadline)', async () => {
    const outs = await Promise.all([['--codec-auth', `Bearer ${tokenFor(stack.config, randomUUID())}`], []].map((auth) => show('--codec-endpoint', codec, ...auth)));
    for (const out of outs) {
      expect(out.status).not.toBe(0);
      expect(`${out.stdout}${out.stderr}`).not.toContain(city);
    }
  });
});

describe('the Web UI (Chromium)', () => {
  const launch = async () => (browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] }));

  /** The operator's once-per-browser step the dev server cannot configure: send credentials to the codec. */
  async function includeCredentials(context: BrowserContext) {
    const page = await context.newPage();
    await page.goto(`${ui}/namespaces/default/workflows`);
    await page.getByTestId('data-encoder-status-configured').click();
    const dialog = page.locator('#data-encoder-settings');
    await dialog.getByText('Use my browser setting and ignore Cluster-level setting.').click();
    await dialog.getByTestId('data-encoder-endpoint-input').fill(codec);
    await dialog.getByText('Include cross-origin credentials').click();
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.close();
  }

  const sagaPage = async (context: BrowserContext) => {
    const page = await context.newPage();
    await page.goto(`${ui}/namespaces/default/workflows/${orderWorkflowId(orderId)}`);
    await page.getByText('Workflow Type').first().waitFor({ timeout: 30_000 });
    return page;
  };

  it('when an admin signed in at /codec/login, then the saga\'s page shows the decoded shipping city in the workflow input (screenshot in test-artifacts/)', async () => {
    expect(CHROMIUM).toBeDefined(); // provisioned by `npm test` (scripts/provision.mjs --with-browser)
    const context = await (await launch()).newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      const login = await context.newPage();
      await login.goto(`${codec}/login`);
      await login.getByLabel('Email').fill(stack.config.ADMIN_EMAIL);
      await login.getByLabel('Password').fill(stack.config.ADMIN_PASSWORD);
      await login.getByRole('button', { name: 'Sign in' }).click();
      await login.getByRole('heading', { name: 'Signed in' }).waitFor();
      await includeCredentials(context);

      const page = await sagaPage(context);
      await page.getByText(city).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-decoded-input.png'), fullPage: true });
      expect(await page.content()).not.toContain(card);
    } finally {
      await context.close();
    }
  });

  it('when the browser has not signed in, then the same page shows the input encrypted, without the city', async () => {
    const context = await (await launch()).newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      await includeCredentials(context);
      const page = await sagaPage(context);
      // The codec refuses it (401): the UI says so and shows the ciphertext.
      await page.locator('#content').getByText('Codec Server could not connect').waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-not-signed-in.png'), fullPage: true });
      expect(await page.content()).not.toContain(city);
    } finally {
      await context.close();
    }
  });
});

// `npm start` passes the same option to its dev server (scripts/start.ts); the UI reports it.
it('when the dev server is started with a codec endpoint, then its Web UI is configured with it', async () => {
  const settings = await (await fetch(`${ui}/api/v1/settings`)).json() as { Codec: { Endpoint: string } };
  expect(settings.Codec.Endpoint).toBe(codec);
});
