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
