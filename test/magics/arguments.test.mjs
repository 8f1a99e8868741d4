// Flags whose value may be left out (argparse's nargs='?'): `--served`, `--served prod`, `--if-drift 0.1`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArguments, usageLine } from '../../dist/lib/magics/arguments.js';

const spec = {
  positionals: [{ name: 'MODEL', help: 'a model' }],
  flags: {
    served: { optionalValue: true, metavar: 'VERSION|TAG', help: 'served traffic' },
    'if-drift': { type: 'number', optionalValue: true, min: 0, metavar: 'THRESHOLD', help: 'only on drift' },
    data: { metavar: 'NAME', help: 'data' },
    quiet: { type: 'boolean', help: 'quiet' },
  },
};
const parse = (line) => parseArguments('m', spec, line);

test('an optional-value flag alone is true, with a value is the value', () => {
  assert.equal(parse('fm --served').options.served, true);
  assert.equal(parse('fm --served production').options.served, 'production');
  assert.equal(parse('fm --served=ab12').options.served, 'ab12');
  assert.equal(parse('fm').options.served, undefined);
});

test('the next word stays a flag (or the next flag’s value) when it looks like one', () => {
  const o = parse('fm --served --data fashion').options;
  assert.equal(o.served, true);
  assert.equal(o.data, 'fashion');
  assert.equal(parse('fm --served --quiet').options.quiet, true);
});

test('a numeric optional value takes only a number; anything else is left for what follows', () => {
  assert.equal(parse('fm --if-drift').options['if-drift'], true);
  assert.equal(parse('fm --if-drift 0.05').options['if-drift'], 0.05);
  const p = parseArguments(
    'm',
    { ...spec, positionals: [...spec.positionals, { name: 'X', optional: true, help: '' }] },
    'fm --if-drift other',
  );
  assert.equal(p.options['if-drift'], true);
  assert.deepEqual(p.positionals, ['fm', 'other']);
  assert.throws(() => parse('fm --if-drift=-1'), /--if-drift must be at least 0/);
  assert.throws(() => parse('fm --if-drift=abc'), /--if-drift expects a number/);
});

test('usage shows the value as optional', () => {
  const u = usageLine('%', 'm', spec);
  assert.match(u, /\[--served \[VERSION\|TAG\]\]/);
  assert.match(u, /\[--if-drift \[THRESHOLD\]\]/);
});
