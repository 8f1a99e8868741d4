// Opens a page in Debian's Chromium (playwright-core) and checks what it shows: every image loaded
// and not blank, every table there, and no request leaving the machine.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export async function withBrowser(fn) {
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

/** Loads url with every off-host request refused (and recorded); file:, data: and loopback pass. */
export async function openOffline(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const offHost = [];
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (/^(file|data|blob):/.test(u) || /^https?:\/\/(127\.0\.0\.1|localhost)[:/]/.test(u)) return route.continue();
    offHost.push(u);
    return route.abort();
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, offHost };
}

/** Per <img>: loaded, shown with a size, and how many of its pixels differ from its corner pixel. */
export async function imagesOf(page) {
  return page.evaluate(async () => {
    const images = [...document.querySelectorAll('img')];
    await Promise.all(
      images.map((img) => (img.complete ? null : new Promise((r) => img.addEventListener('load', r, { once: true })))),
    );
    return images.map((img) => {
      const box = img.getBoundingClientRect();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      let inked = 0;
      if (img.naturalWidth) {
        const g = canvas.getContext('2d');
        g.drawImage(img, 0, 0);
        const px = g.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < px.length; i += 4)
          if (Math.abs(px[i] - px[0]) + Math.abs(px[i + 1] - px[1]) + Math.abs(px[i + 2] - px[2]) > 30) inked++;
      }
      return {
        width: img.naturalWidth,
        shown: box.width > 0 && box.height > 0,
        inked: inked / Math.max(1, img.naturalWidth * img.naturalHeight),
      };
    });
  });
}

/** The page shows at least `images` non-blank images and `tables` tables, with nothing fetched off-host. */
export async function assertPageShowsOutputs(browser, url, { images, tables }) {
  const { page, offHost } = await openOffline(browser, url);
  const shown = await imagesOf(page);
  const drawn = shown.filter((s) => s.width > 0 && s.shown && s.inked > 0.005);
  assert.ok(
    drawn.length >= images,
    `${url}: ${drawn.length} drawn images of ${images} expected (${JSON.stringify(shown)})`,
  );
  const tablesShown = await page.locator('table').count();
  assert.ok(tablesShown >= tables, `${url}: ${tablesShown} tables of ${tables} expected`);
  assert.deepEqual(
    offHost.filter((u) => !u.startsWith('file:')),
    [],
    'no request off the machine',
  );
  await page.close();
}

/**
 * An `amalgam run --html` page: `charts` interactive charts drawn by the inlined vega-embed (a canvas
 * with ink on it), every image drawn, no page error, and no request but the page itself.
 */
export async function assertHtmlExportDrawsCharts(browser, url, { charts, images }) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const elsewhere = [];
  await page.route('**/*', (route) => {
    const u = route.request().url();
    if (u === url || /^(data|blob):/.test(u)) return route.continue();
    elsewhere.push(u);
    return route.abort();
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url, { waitUntil: 'load' });
  const views = page.locator('.vega-chart');
  assert.equal(await views.count(), charts, `${url}: interactive charts`);
  await page.waitForFunction(
    () => [...document.querySelectorAll('.vega-chart')].every((el) => el.dataset.rendered),
    null,
    { timeout: 120_000 },
  );
  const inked = await views.evaluateAll((els) =>
    els.map((el) => {
      const canvas = el.querySelector('canvas');
      if (el.dataset.rendered !== 'true' || !canvas) return 0;
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4)
        if (data[i + 3] > 0 && (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240)) n++;
      return n;
    }),
  );
  inked.forEach((n, i) => assert.ok(n > 500, `${url}: chart ${i} has ${n} inked pixels`));
  const drawn = (await imagesOf(page)).filter((s) => s.width > 0 && s.inked > 0.005);
  assert.ok(drawn.length >= images, `${url}: ${drawn.length} drawn images of ${images} expected`);
  assert.deepEqual(errors, [], `${url}: page errors`);
  assert.deepEqual(elsewhere, [], `${url}: requests that left the page`);
  await page.close();
}
