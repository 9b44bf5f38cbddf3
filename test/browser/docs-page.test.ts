import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, http } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

// /docs in a real headless Chromium (Debian's `chromium`; scripts/install-chromium.sh installs it).
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (path) => path && existsSync(path),
);
if (!CHROMIUM) {
  console.warn('test/browser skipped: no chromium binary (install it with scripts/install-chromium.sh)');
}

const KEY = 'docs-key-0123456789';

let svc: TestService;
let browser: Browser;
let page: Page;
beforeAll(async () => {
  if (!CHROMIUM) return;
  svc = await startService({ worker: false, env: { HINDSIGHT_API_KEYS: KEY } });
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Runs as root in CI containers, where Chromium's sandbox is unavailable.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
});
afterAll(async () => {
  await browser?.close();
  await svc?.stop();
});

const LIST_OPERATIONS = '#operations-Operations-get_operations';

describe.skipIf(!CHROMIUM)('the /docs page in a browser', () => {
  it('renders every group of endpoints, with markdown, from the running service without a key', async () => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    const res = await page.goto(`${svc.url}/docs`, { waitUntil: 'networkidle0' });
    expect(res?.status()).toBe(200);
    await page.waitForSelector('.opblock');
    const paths = await page.$$eval('.opblock-summary-path', (nodes) =>
      nodes.map((n) => n.textContent?.trim()),
    );
    for (const path of [
      '/v1/default/banks/{bank_id}/operations',
      '/v1/default/banks/{bank_id}/operations/{operation_id}',
      '/v1/default/banks/{bank_id}/operations/{operation_id}/events',
      '/v1/default/banks/{bank_id}/memories',
    ]) {
      expect(paths.map((p) => p?.replace(/\u200b/g, ''))).toContain(path);
    }
    // The API description's backticks render as code, not as raw markdown.
    const intro = await page.$eval('.info .description', (n) => n.innerHTML);
    expect(intro).toContain('<code>');
    expect(intro).not.toContain('`');
    expect(errors).toEqual([]);
    // No red warning or error box above the reference (an unsupported jsonSchemaDialect used to show one).
    expect(await page.$$eval('.errors-wrapper', (nodes) => nodes.map((n) => n.textContent))).toEqual([]);
  });

  it('sends /docs/ to the page', async () => {
    const res = await page.goto(`${svc.url}/docs/`, { waitUntil: 'networkidle0' });
    expect(res?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/docs');
    await page.waitForSelector('.opblock');
  });

  it('sends the key given to Authorize with "Try it out", and shows the answer', async () => {
    const bank = uniqueBank('docs');
    const accepted = await http(
      svc.url,
      'POST',
      `/v1/default/banks/${bank}/memories`,
      { items: documents(3), async: true },
      { authorization: `Bearer ${KEY}` },
    );
    expect(accepted.status).toBe(202);

    await page.click('.auth-wrapper .authorize');
    await page.waitForSelector('.modal-ux input');
    await page.type('.modal-ux input', KEY);
    await page.click('.modal-ux .auth-btn-wrapper button[type="submit"]');
    await page.click('.modal-ux .btn-done');

    await page.click(`${LIST_OPERATIONS} .opblock-summary`);
    await page.waitForSelector(`${LIST_OPERATIONS} .try-out__btn`);
    await page.click(`${LIST_OPERATIONS} .try-out__btn`);
    await page.type(`${LIST_OPERATIONS} tr[data-param-name="bank_id"] input`, bank);
    await page.click(`${LIST_OPERATIONS} .execute`);
    await page.waitForSelector(`${LIST_OPERATIONS} .live-responses-table tr.response .response-col_status`);
    const status = await page.$eval(
      `${LIST_OPERATIONS} .live-responses-table tr.response .response-col_status`,
      (n) => n.textContent?.trim(),
    );
    const body = await page.$eval(
      `${LIST_OPERATIONS} .live-responses-table tr.response .response-col_description`,
      (n) => n.textContent ?? '',
    );
    expect(status).toBe('200');
    expect(body).toContain(accepted.body.operation_id);
    const curl = await page.$eval(`${LIST_OPERATIONS} .curl-command`, (n) => n.textContent ?? '');
    expect(curl).toContain(`Authorization: Bearer ${KEY}`);

    const screenshot = process.env.HINDSIGHT_DOCS_SCREENSHOT;
    if (screenshot) {
      // The README's picture: the tried operation, from its parameters to the answer.
      await page.$eval(`${LIST_OPERATIONS} .curl-command`, (n) => n.scrollIntoView());
      await page.mouse.wheel({ deltaY: -120 });
      await page.screenshot({ path: screenshot as `${string}.png` });
    }
  });
});
