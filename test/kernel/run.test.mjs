// `amalgam run`: a notebook executed headless, with parameters, valid nbformat out, errors reported.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI } from '../helpers/kernelspec.mjs';

const code = (source, tags) => ({
  cell_type: 'code',
  metadata: tags ? { tags } : {},
  source,
  outputs: [],
  execution_count: null,
});

test('amalgam run executes a notebook with parameters and writes valid nbformat', () => {
  const dir = mkdtempSync(join(tmpdir(), 'amalgam-run-'));
  const file = join(dir, 'nb.ipynb');
  writeFileSync(
    file,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        code('const epochs = 1\nconst name = "default"', ['parameters']),
        { cell_type: 'markdown', metadata: {}, source: '# Title' },
        code("console.log('epochs', epochs)\ndisplay({ name })\nepochs * 2"),
        code("await display('0%', { id: 'p' })\nawait display('100%', { id: 'p', update: true })"),
        code('%%writefile out.txt\nwritten'),
      ],
    }),
  );
  const r = spawnSync(process.execPath, [CLI, 'run', file, '-p', 'epochs=3', '-p', 'name=ada'], {
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const nb = JSON.parse(readFileSync(join(dir, 'nb.out.ipynb'), 'utf8'));
  const cells = nb.cells.filter((c) => c.cell_type === 'code');
  assert.deepEqual(cells[1].metadata.tags, ['injected-parameters']);
  assert.deepEqual(
    cells[2].outputs.map((o) => o.output_type),
    ['stream', 'display_data', 'execute_result'],
  );
  assert.equal(cells[2].outputs[0].text, 'epochs 3\n');
  assert.equal(cells[2].outputs[1].data['text/plain'], "{ name: 'ada' }");
  assert.equal(cells[2].outputs[2].data['text/plain'], '6');
  assert.equal(cells[3].outputs.length, 1);
  assert.equal(cells[3].outputs[0].data['text/plain'], "'100%'");
  assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), 'written\n');
  const valid = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      'import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], 4)); print("valid")',
      join(dir, 'nb.out.ipynb'),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(valid.stdout.trim(), 'valid', valid.stderr);
});

test('amalgam run stops at the first error with exit 1, or goes on with --allow-errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'amalgam-run-'));
  const file = join(dir, 'bad.ipynb');
  writeFileSync(
    file,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [code('const n: string = 1'), code('"after"')],
    }),
  );
  const r = spawnSync(process.execPath, [CLI, 'run', file], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cell 0: TypeScriptError: In\[1\] line 1, column 7/);
  const r2 = spawnSync(process.execPath, [CLI, 'run', file, '--allow-errors', '-o', join(dir, 'o.ipynb')], {
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.equal(r2.status, 0);
  const nb = JSON.parse(readFileSync(join(dir, 'o.ipynb'), 'utf8'));
  assert.equal(nb.cells[1].outputs[0].data['text/plain'], "'after'");
});
