// Shared checks for viz tests: Vega-Lite v5 schema validation and headless SVG rendering.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const Ajv = require('ajv').default;
const schemaPath = require.resolve('vega-lite/build/vega-lite-schema.json');
const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));

// allowUnionTypes/strict:false: the published schema uses constructs ajv's strict mode rejects.
const ajv = new Ajv({ allErrors: false, strict: false, allowUnionTypes: true, validateFormats: false, logger: false });
const validate = ajv.compile(schema);

export function assertValidSpec(spec) {
  const plain = JSON.parse(JSON.stringify(spec));
  const ok = validate(plain);
  assert.ok(
    ok,
    `spec does not validate against the Vega-Lite v5 schema: ${JSON.stringify(validate.errors?.slice(0, 3))}`,
  );
  assert.match(plain.$schema, /vega-lite\/v5/);
}

/** Number of SVG path elements rendered for marks of a given role (e.g. 'mark-symbol'). */
export function countMarks(svg, role) {
  const group = new RegExp(`<g class="mark-${role} role-mark[^"]*"[^>]*>([\\s\\S]*?)</g>`, 'g');
  let n = 0;
  for (const m of svg.matchAll(group)) n += (m[1].match(/<path /g) ?? []).length;
  return n;
}

export const lib = (p) => `../../dist/lib/${p}`;

const { PNG } = require('pngjs');
const { vegaLiteToSvg } = require('../../dist/lib/display/vegalite.js');

/** The SVG a spec renders to (the PNG in a bundle is drawn from it): for counting marks. */
export const svgOf = (spec) => vegaLiteToSvg(JSON.parse(JSON.stringify(spec)));

/**
 * The bundle's PNG decoded: its size and the share of pixels that are not background white, so a
 * test sees a drawn chart, not a blank one.
 */
export function pngOf(bundle) {
  assert.ok(bundle['image/png'], `the bundle has a PNG (it has ${Object.keys(bundle).join(', ')})`);
  const img = PNG.sync.read(Buffer.from(bundle['image/png'], 'base64'));
  let ink = 0;
  for (let i = 0; i < img.data.length; i += 4)
    if (img.data[i] < 240 || img.data[i + 1] < 240 || img.data[i + 2] < 240) ink++;
  return { width: img.width, height: img.height, ink: ink / (img.width * img.height) };
}

/** The bundle shows everywhere: the interactive spec and a drawn (non-blank) PNG, no SVG for nbconvert to strip. */
export function assertChartBundle(bundle, minInk = 0.01) {
  assert.ok(bundle['application/vnd.vegalite.v5+json'], 'interactive spec');
  assert.equal(bundle['image/svg+xml'], undefined, 'no SVG: nbconvert prefers it to PNG and strips it');
  const png = pngOf(bundle);
  assert.ok(png.ink > minInk, `the PNG is drawn (${(100 * png.ink).toFixed(2)}% ink)`);
  return png;
}
