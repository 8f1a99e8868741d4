// %save, %versions, %checkout, %diff, %export through the real kernel and nbclient.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { errorOf, runCells, textOf } from '../helpers/notebook.mjs';

const cells = [
  `import { amalgamate } from 'amalgam'
import * as tf from '@tensorflow/tfjs'
const m = amalgamate({ input: [8, 8, 1], bottom: { blocks: [{ conv: { filters: 4 } }] }, representations: { logits: { units: 10 } },
  heads: { digit: { from: 'logits', task: 'classify', target: 'label' } } })`, // 0
  '%train m --data digits --epochs 1 --quiet', // 1
  '%save m --tag first', // 2
  '%train m --data digits --epochs 1 --quiet', // 3
  '%save m', // 4
  '%versions m', // 5
  '%diff m@first m@latest', // 6
  '%checkout m@first --as old', // 7
  `const z = tf.ones([2, 8, 8, 1])
const p = old.predict(z, { outputs: ['digit'] }).digit
console.log(old.version === m.version, p.shape.join('x'))`, // 8
  '%checkout nope', // 9
  '%export m exported', // 10
];

test('registry magics through nbclient', { timeout: 240_000 }, async () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'amalgam-registry-nb-'));
  const nb = await runCells(cells, { timeout: 120, cwd });
  for (const i of [0, 1, 2, 3, 4, 5, 6, 7, 8, 10])
    assert.equal(errorOf(nb.cells[i]), undefined, `cell ${i}: ${JSON.stringify(errorOf(nb.cells[i]))}`);
  const plain = (i) => nb.cells[i].outputs.map((o) => [].concat(o.data?.['text/plain'] ?? '').join('')).join('\n');
  assert.match(plain(2), /Saved m@[0-9a-f]{12} \(tags: latest, first\)/);
  assert.match(plain(4), /bottom\s+bottom\s+[0-9a-f]{12}\s+new/);
  assert.match(plain(5), /m: 2 versions/);
  assert.match(plain(6), /bottom\s+changed/);
  assert.equal(textOf(nb.cells[8]).trim(), 'false 2x10');
  assert.match(errorOf(nb.cells[9]).evalue, /%checkout: no model "nope" in the registry/);
  assert.ok(fs.existsSync(path.join(cwd, '.amalgam', 'registry', 'tags', 'm.json')));
  assert.ok(fs.existsSync(path.join(cwd, 'exported', 'model.json')));
});
