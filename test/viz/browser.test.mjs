// Renders a latent scatter in Chromium with vega-embed from node_modules (no CDN): points appear and
// hovering one shows the tooltip with its label, prediction and thumbnail.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { tinyDataset, tinyModel } from './fixtures.mjs';
import { latent } from '../../dist/lib/viz/latent.js';
import { seed } from '../../dist/lib/random.js';

const require = createRequire(import.meta.url);
const CHROMIUM = '/usr/bin/chromium';
// From node_modules directly: the packages' `exports` hide their UMD builds from require.resolve.
const ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const build = (pkg, file) => readFileSync(join(ROOT, 'node_modules', pkg, 'build', file));

const page = `<!doctype html><html><head><meta charset="utf-8">
<script src="/vega.js"></script><script src="/vega-lite.js"></script><script src="/vega-embed.js"></script></head>
<body><div id="vis"></div><script>
fetch('/spec.json').then((r) => r.json()).then((spec) => vegaEmbed('#vis', spec, { renderer: 'svg', actions: false }))
  .then(() => { window.embedded = true; }, (e) => { window.embedError = String(e); });
</script></body></html>`;

function serve(spec) {
  const files = {
    '/': ['text/html', page],
    '/vega.js': ['text/javascript', build('vega', 'vega.min.js')],
    '/vega-lite.js': ['text/javascript', build('vega-lite', 'vega-lite.min.js')],
    '/vega-embed.js': ['text/javascript', build('vega-embed', 'vega-embed.min.js')],
    '/spec.json': ['application/json', JSON.stringify(spec)],
  };
  const server = createServer((req, res) => {
    const f = files[req.url];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': f[0] }).end(f[1]);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('latent scatter in Chromium: points render, tooltip on hover, nothing fetched off-host', {
  skip: !existsSync(CHROMIUM) && 'no /usr/bin/chromium',
  timeout: 120_000,
}, async () => {
  const { chromium } = require('playwright-core');
  seed(4);
  const model = tinyModel();
  const spec = await latent(model, tinyDataset(300), { rep: 'all', n: 50 });
  model.net.dispose();
  const server = await serve(spec);
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const tab = await browser.newPage({ viewport: { width: 1300, height: 700 } });
    const offHost = [];
    await tab.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(base) || url.startsWith('data:')) return route.continue();
      offHost.push(url);
      return route.abort();
    });
    await tab.goto(base + '/');
    await tab.waitForFunction(() => window.embedded || window.embedError, null, { timeout: 30_000 });
    assert.equal(await tab.evaluate(() => window.embedError), undefined);
    const points = tab.locator('g.mark-symbol.role-mark path');
    assert.equal(await points.count(), 4 * 50, 'one circle per point per view');
    await points.nth(7).hover({ force: true });
    const tooltip = tab.locator('#vg-tooltip-element');
    await tooltip.waitFor({ state: 'visible', timeout: 10_000 });
    const text = await tooltip.textContent();
    assert.match(text, /label/);
    assert.match(text, /prediction/);
    assert.match(text, /confidence/);
    assert.equal(await tooltip.locator('img[src^="data:image/png"]').count(), 1, 'thumbnail in the tooltip');
    if (process.env.VIZ_SCREENSHOT) await tab.screenshot({ path: process.env.VIZ_SCREENSHOT });
    assert.deepEqual(offHost, []);
  } finally {
    await browser.close();
    server.close();
  }
});
