// `amalgam run --html` in Chromium, opened from disk: each chart is drawn by the inlined Vega-Embed
// (a canvas with ink on it), its PNG beside it loads, and the page asks for nothing off its origin.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { CLI } from '../helpers/kernelspec.mjs';

const require = createRequire(import.meta.url);
const CHROMIUM = '/usr/bin/chromium';

const code = (id, source) => ({ id, cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null });

test('the --html export draws its charts with no network', {
  skip: !existsSync(CHROMIUM) && 'no /usr/bin/chromium',
  timeout: 180_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'amalgam-html-'));
  const file = join(dir, 'charts.ipynb');
  writeFileSync(
    file,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { id: 'm', cell_type: 'markdown', metadata: {}, source: '# Iris\n\nTwo charts, **offline**.' },
        code('a', "import { viz } from 'amalgam'\n%load iris iris"),
        code('b', "viz.scatter(iris, 'sepal_length', 'petal_length', { color: 'species' })"),
        code('c', '%plot iris species --kind bar'),
      ],
    }),
  );
  const html = join(dir, 'charts.html');
  const r = spawnSync(process.execPath, [CLI, 'run', file, '--html', html], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr + r.stdout);

  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const url = pathToFileURL(html).href;
    const offOrigin = [];
    await page.route('**/*', (route) => {
      const u = route.request().url();
      if (u === url || u.startsWith('data:')) return route.continue();
      offOrigin.push(u);
      return route.abort();
    });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    const charts = page.locator('.vega-chart');
    assert.equal(await charts.count(), 2);
    await page.waitForFunction(
      () => [...document.querySelectorAll('.vega-chart')].every((el) => el.dataset.rendered),
      null,
      { timeout: 60_000 },
    );
    assert.deepEqual(await charts.evaluateAll((els) => els.map((el) => el.dataset.rendered)), ['true', 'true']);
    // Ink on each canvas: pixels that are neither transparent nor white.
    const inked = await charts.evaluateAll((els) =>
      els.map((el) => {
        const canvas = el.querySelector('canvas');
        if (!canvas) return 0;
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let n = 0;
        for (let i = 0; i < data.length; i += 4)
          if (data[i + 3] > 0 && (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240)) n++;
        return n;
      }),
    );
    for (const n of inked) assert.ok(n > 500, `a chart's canvas has ${n} inked pixels`);
    const pngs = await page
      .locator('img.chart-png')
      .evaluateAll((imgs) => imgs.map((img) => img.complete && img.naturalWidth));
    assert.equal(pngs.length, 2);
    for (const w of pngs) assert.ok(w > 100, `a chart's PNG is ${w} px wide`);
    assert.equal(await page.locator('h1').textContent(), 'Iris');
    assert.deepEqual(errors, []);
    assert.deepEqual(offOrigin, [], 'requests that left the page');
  } finally {
    await browser.close();
  }
});
