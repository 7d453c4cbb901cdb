// What an operator sees: sagas findable by search attribute in the Temporal Web UI (real Chromium)
// and the CLI, Prometheus metrics, and the stuck-saga view.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { temporalBinary } from '../../dev/temporal-dev-server';
import { orderIdFromWorkflowId, orderWorkflowId } from '../../domain/orders/order.commands';
import { aCustomer, aProduct, eventually, startTestStack, tokenFor, type TestStack } from '../harness';
import { runSaga, orderInput, startSaga } from '../saga-test-kit';

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

let stack: TestStack;
beforeAll(async () => { stack = await startTestStack({ api: true }); });
afterAll(async () => { await stack?.stop(); });

const listWorkflows = (query: string): { execution: { workflowId: string } }[] => {
  const out = execFileSync(temporalBinary(), ['workflow', 'list', '--address', stack.config.TEMPORAL_ADDRESS, '--query', query, '--output', 'json'], { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
};

describe('Temporal visibility', () => {
  it('when `temporal workflow list --query CustomerId=…` runs, then it lists exactly that customer\'s sagas with their status', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 1 });
    const { customerId } = await aCustomer(stack.prisma);
    const shipped = await runSaga(stack, { customerId, lines: [{ productId, quantity: 1 }] });
    const rejected = await runSaga(stack, { customerId, lines: [{ productId, quantity: 1 }] });
    expect(rejected.result.reason).toBe('OUT_OF_STOCK');

    const all = await eventually(async () => listWorkflows(`CustomerId="${customerId}"`), (rows) => rows.length === 2);
    expect(all.map((r) => r.execution.workflowId).sort()).toEqual([orderWorkflowId(shipped.input.orderId), orderWorkflowId(rejected.input.orderId)].sort());
    const rejectedOnly = await eventually(async () => listWorkflows(`CustomerId="${customerId}" AND OrderStatus="REJECTED"`), (rows) => rows.length === 1);
    expect(rejectedOnly[0]!.execution.workflowId).toBe(orderWorkflowId(rejected.input.orderId));
  });

  it('when the Web UI is filtered by OrderStatus="REJECTED", then the rejected saga is listed (screenshot in test-artifacts/)', async () => {
    expect(CHROMIUM).toBeDefined(); // provisioned by `npm test` (scripts/provision.mjs --with-browser)
    const { productId } = await aProduct(stack.prisma, { stock: 0 });
    const { customerId } = await aCustomer(stack.prisma);
    const { input } = await runSaga(stack, { customerId, lines: [{ productId, quantity: 1 }] });
    await eventually(async () => listWorkflows(`WorkflowId="${orderWorkflowId(input.orderId)}" AND OrderStatus="REJECTED"`), (rows) => rows.length === 1);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const query = encodeURIComponent('OrderStatus="REJECTED"');
      await page.goto(`http://127.0.0.1:${process.env.TEST_TEMPORAL_UI_PORT}/namespaces/default/workflows?query=${query}`);
      await page.getByText(orderWorkflowId(input.orderId)).first().waitFor({ timeout: 30_000 });
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-rejected-orders.png'), fullPage: true });
      // Every row the filter shows is a rejected saga.
      const shownIds = (await page.locator('a').allTextContents()).map((t) => t.trim()).filter((t) => /^[0-9a-f-]{36}$/.test(orderIdFromWorkflowId(t) ?? ''));
      const rejectedIds = new Set(listWorkflows('OrderStatus="REJECTED"').map((r) => r.execution.workflowId));
      expect(shownIds.length).toBeGreaterThan(0);
      for (const id of shownIds) expect(rejectedIds.has(id)).toBe(true);
    } finally {
      await browser.close();
    }
  });
});

describe('metrics and stuck sagas', () => {
  it('when /metrics is scraped, then it has request latency by route and orders by status', async () => {
    await fetch(`${stack.baseUrl}/products`);
    const admin = tokenFor(stack.config, 'metrics-scraper', 'admin');
    const text = await (await fetch(`${stack.baseUrl}/metrics`, { headers: { authorization: `Bearer ${admin}` } })).text();
    expect(text).toMatch(/saga_orders_http_request_duration_seconds_bucket\{[^}]*route="\/products"[^}]*status="200"/);
    expect(text).toMatch(/saga_orders_orders\{status="(SHIPPED|REJECTED)"\} \d+/);
    expect(text).toMatch(/saga_orders_saga_duration_seconds_bucket\{[^}]*le="\+Inf"/);
  });

  it('when a saga cannot progress (payment worker down), then the admin stuck-orders view lists it with its Web UI link', async () => {
    const { productId } = await aProduct(stack.prisma, { stock: 5 });
    const { customerId } = await aCustomer(stack.prisma);
    await stack.stopWorker('payment');
    const input = orderInput({ customerId, lines: [{ productId, quantity: 1 }] });
    const handle = await startSaga(stack, input);
    try {
      await eventually(() => stack.prisma.order.findUnique({ where: { id: input.orderId } }), (o) => o?.status === 'APPROVED');
      await new Promise((r) => setTimeout(r, 1200));
      const admin = await stack.prisma.customer.findUniqueOrThrow({ where: { email: stack.config.ADMIN_EMAIL } });
      const res = await fetch(`${stack.baseUrl}/admin/stuck-orders?olderThan=1s`, { headers: { authorization: `Bearer ${tokenFor(stack.config, admin.id, 'admin')}` } });
      expect(res.status).toBe(200);
      const body = await res.json() as any;
      const item = body.items.find((i: { orderId: string }) => i.orderId === input.orderId);
      expect(item).toMatchObject({ status: 'APPROVED', workflowId: orderWorkflowId(input.orderId), webUiUrl: expect.stringContaining(`/workflows/${orderWorkflowId(input.orderId)}`) });
      const asCustomer = await fetch(`${stack.baseUrl}/admin/stuck-orders`, { headers: { authorization: `Bearer ${tokenFor(stack.config, customerId)}` } });
      expect(asCustomer.status).toBe(403);
    } finally {
      await stack.startWorker('payment');
    }
    await expect(handle.result()).resolves.toMatchObject({ status: 'SHIPPED' });
  });
});
