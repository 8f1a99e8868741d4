// `amalgam run`: a notebook executed headless, with parameters, valid nbformat out, errors reported;
// bad command lines and bad notebooks refused with exit 2 and a message naming the file.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { CLI, ROOT } from '../helpers/kernelspec.mjs';

const require = createRequire(import.meta.url);

const code = (source, tags) => ({
  cell_type: 'code',
  metadata: tags ? { tags } : {},
  source,
  outputs: [],
  execution_count: null,
});
const notebook = (cells, minor = 5) => ({
  nbformat: 4,
  nbformat_minor: minor,
  metadata: {},
  cells: cells.map((c, i) => (minor >= 5 ? { id: `c${i}`, ...c } : c)),
});

function tmp() {
  return mkdtempSync(join(tmpdir(), 'amalgam-run-'));
}
function run(args, timeout = 90000) {
  return spawnSync(process.execPath, [CLI, 'run', ...args], { encoding: 'utf8', timeout });
}

/** The official schema, compiled by ajv, independent of the runner's own validation code. */
function schemaErrors(nb) {
  const Ajv = require('ajv');
  const { $schema, ...schema } = JSON.parse(
    readFileSync('/usr/lib/python3/dist-packages/nbformat/v4/nbformat.v4.5.schema.json', 'utf8'),
  );
  const validate = new Ajv({ strict: false, validateFormats: false }).compile(schema);
  return validate(nb) ? [] : validate.errors;
}

function nbformatValidates(file) {
  const r = spawnSync(
    '/usr/bin/python3',
    ['-c', 'import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], 4)); print("valid")', file],
    { encoding: 'utf8' },
  );
  return r.stdout.trim() === 'valid' ? true : r.stderr;
}

test('amalgam run executes a notebook with parameters and writes valid nbformat', () => {
  const dir = tmp();
  const file = join(dir, 'nb.ipynb');
  // v4.4 (no cell ids): upgraded to v4.5 on the way out.
  writeFileSync(
    file,
    JSON.stringify(
      notebook(
        [
          code("const epochs = 1\nconst name = 'default'\nconst mode: 'fast' | 'full' = 'fast'", ['parameters']),
          { cell_type: 'markdown', metadata: {}, source: '# Title' },
          code("console.log('epochs', epochs, mode)\ndisplay({ name })\nepochs * 2"),
          code("await display('0%', { id: 'p' })\nawait display('100%', { id: 'p', update: true })"),
          code('%%writefile out.txt\nwritten'),
          code("setTimeout(() => { throw new Error('late') }, 100)\n0"),
          code("await new Promise((r) => setTimeout(r, 800))\n'still here'"),
        ],
        4,
      ),
    ),
  );
  // papermill's `-p NAME VALUE`, and `-p NAME=VALUE`; a value that looks like a flag is still a value.
  const r = run([file, '-p', 'epochs', '3', '-p', 'name=ada', '--parameter', 'mode', 'full']);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const out = join(dir, 'nb.out.ipynb');
  const nb = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(nb.nbformat_minor, 5);
  const cells = nb.cells.filter((c) => c.cell_type === 'code');
  assert.deepEqual(cells[1].metadata.tags, ['injected-parameters']);
  // The parameters keep the types the parameters cell declared (widened from the literal).
  assert.match(cells[1].source, /let epochs: number = 3/);
  assert.match(cells[1].source, /let name: string = "ada"/);
  assert.match(cells[1].source, /let mode: "fast" \| "full" = "full"/);
  assert.deepEqual(
    cells[2].outputs.map((o) => o.output_type),
    ['stream', 'display_data', 'execute_result'],
  );
  assert.equal(cells[2].outputs[0].text, 'epochs 3 full\n');
  assert.equal(cells[2].outputs[1].data['text/plain'], "{ name: 'ada' }");
  assert.equal(cells[2].outputs[2].data['text/plain'], '6');
  assert.equal(cells[3].outputs.length, 1);
  assert.equal(cells[3].outputs[0].data['text/plain'], "'100%'");
  assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), 'written\n');
  // A late error is reported in the cell running when it happens, and the run goes on.
  assert.equal(cells[6].outputs[0].name, 'stderr');
  assert.match(cells[6].outputs[0].text, /Uncaught exception \(after a cell finished\): Error: late/);
  assert.equal(cells[6].outputs[1].data['text/plain'], "'still here'");
  assert.deepEqual(schemaErrors(nb), []);
  assert.equal(nbformatValidates(out), true);
});

test('a parameter of the wrong type is a type error in the injected cell', () => {
  const dir = tmp();
  const file = join(dir, 'p.ipynb');
  writeFileSync(file, JSON.stringify(notebook([code('const epochs = 1', ['parameters']), code('epochs')])));
  const r = run([file, '-p', 'epochs', 'many', '-p', 'other', '1']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /-p other: the parameters cell does not declare other/);
  assert.match(
    r.stderr,
    /cell 1: TypeScriptError: In\[2\] line 2, column 5: Type 'string' is not assignable to type 'number'/,
  );
});

test('amalgam run stops at the first error with exit 1, or goes on with --allow-errors', () => {
  const dir = tmp();
  const file = join(dir, 'bad.ipynb');
  writeFileSync(file, JSON.stringify(notebook([code('const n: string = 1'), code('"after"')])));
  const r = run([file]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cell 0: TypeScriptError: In\[1\] line 1, column 7/);
  // The notebook is written up to the failing cell; the cell after it did not run.
  const failed = JSON.parse(readFileSync(join(dir, 'bad.out.ipynb'), 'utf8'));
  assert.equal(failed.cells[0].outputs[0].output_type, 'error');
  assert.deepEqual(failed.cells[1].outputs, []);
  assert.equal(failed.cells[1].execution_count, null);
  // -o into a folder that does not exist yet: made.
  const o = join(dir, 'new', 'folder', 'o.ipynb');
  const r2 = run([file, '--allow-errors', '-o', o]);
  assert.equal(r2.status, 0, r2.stderr);
  const nb = JSON.parse(readFileSync(o, 'utf8'));
  assert.equal(nb.cells[1].outputs[0].data['text/plain'], "'after'");
  assert.equal(nbformatValidates(o), true);
});

test('--timeout ends a cell with "timed out after S s": a synchronous loop, an await, a loop after an await', () => {
  const dir = tmp();
  const file = join(dir, 't.ipynb');
  writeFileSync(
    file,
    JSON.stringify(
      notebook([
        code('let before = 1'),
        code('before = 2\nwhile (true) {}'),
        code('await new Promise((r) => setTimeout(r, 60_000))'),
        code('await new Promise((r) => setTimeout(r, 10))\nwhile (true) {}'),
        code('before + 40'),
      ]),
    ),
  );
  const t0 = Date.now();
  const r = run([file, '--timeout', '1.5', '--allow-errors']);
  assert.equal(r.status, 0, r.stderr);
  // Not the 60 s the second cell waits for, nor forever: each stops at its deadline.
  assert.ok(Date.now() - t0 < 45_000, `took ${Date.now() - t0} ms`);
  const nb = JSON.parse(readFileSync(join(dir, 't.out.ipynb'), 'utf8'));
  for (const i of [1, 2, 3]) {
    const [out] = nb.cells[i].outputs;
    assert.equal(out.output_type, 'error', `cell ${i}`);
    assert.equal(out.ename, 'TimeoutError');
    assert.equal(out.evalue, 'timed out after 1.5 s');
    assert.doesNotMatch(JSON.stringify(out), /KeyboardInterrupt|interrupted by the user/);
  }
  // The state survives the stopped cells.
  assert.equal(nb.cells[4].outputs[0].data['text/plain'], '42');
  assert.equal(nbformatValidates(join(dir, 't.out.ipynb')), true);
});

test('SIGTERM ends a run whose cell is busy (the signal listeners libraries add cannot run then)', async () => {
  const dir = tmp();
  const file = join(dir, 'busy.ipynb');
  writeFileSync(
    file,
    JSON.stringify(
      notebook([
        code("import { registry } from 'amalgam'\nimport { writeFileSync } from 'node:fs'\ntypeof registry"),
        code("writeFileSync('spinning', '')\nawait new Promise((r) => setTimeout(r, 10))\nwhile (true) {}"),
      ]),
    ),
  );
  const child = spawn(process.execPath, [CLI, 'run', file], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  for (const end = Date.now() + 90_000; !existsSync(join(dir, 'spinning')) && Date.now() < end; ) await sleep(100);
  await sleep(500);
  child.kill('SIGTERM');
  const how = await Promise.race([exited, sleep(10_000).then(() => 'still running')]);
  if (how === 'still running') child.kill('SIGKILL');
  assert.equal(how, 'SIGTERM');
});

test('bad notebooks: exit 2 with the file and what is wrong; nothing written', () => {
  const dir = tmp();
  const cases = [
    ['missing.ipynb', null, /missing\.ipynb: no such file/],
    [
      'truncated.ipynb',
      '{\n "nbformat": 4,\n "cells": [\n  {"cell_type": "code" "source": ""}',
      /truncated\.ipynb: not JSON: .* at line 4, column \d+ \(position \d+\)/,
    ],
    ['empty.ipynb', '', /empty\.ipynb: not JSON: Unexpected end of JSON input at line 1, column 1 \(position 0\)/],
    ['list.ipynb', '[1, 2]', /list\.ipynb: not a notebook/],
    ['nocells.json', '{"name": "x"}', /nocells\.json: not a notebook/],
    ['v3.ipynb', '{"nbformat": 3, "worksheets": []}', /v3\.ipynb: nbformat 3 is not supported/],
    [
      'invalid.ipynb',
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [{ cell_type: 'code', id: 'a', source: 42, outputs: [], execution_count: null }],
      }),
      /invalid\.ipynb: invalid notebook \(nbformat v4\.5 schema\):\n\s+cells\[0\]: missing "metadata"\n\s+cells\[0\]\.source: must be string/,
    ],
    [
      'badtype.ipynb',
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [{ cell_type: 'python', id: 'a', metadata: {}, source: '' }],
      }),
      /badtype\.ipynb: [\s\S]*cells\[0\]: cell_type must be one of code, markdown, raw \(got "python"\)/,
    ],
    [
      'badoutput.ipynb',
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [
          {
            cell_type: 'code',
            id: 'a',
            metadata: {},
            source: '',
            execution_count: null,
            outputs: [{ output_type: 'stream', text: 'x' }],
          },
        ],
      }),
      /badoutput\.ipynb: [\s\S]*cells\[0\]\.outputs\[0\]: missing "name"/,
    ],
  ];
  for (const [name, content, expected] of cases) {
    const file = join(dir, name);
    if (content !== null) writeFileSync(file, content);
    const r = run([file], 30000);
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, expected, name);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+|Cannot read properties/, `${name}: no stack`);
  }
  // Agreement with nbformat itself: what the runner calls invalid, nbformat rejects too.
  assert.notEqual(nbformatValidates(join(dir, 'invalid.ipynb')), true);
});

test('strict command line: unknown flags name the closest, bad values name the flag', () => {
  const dir = tmp();
  const file = join(dir, 'ok.ipynb');
  writeFileSync(file, JSON.stringify(notebook([code('1')])));
  const cases = [
    [[file, '--tiemout', '3'], /unknown flag --tiemout \(did you mean --timeout\?\)/],
    [[file, '--ouput', 'x.ipynb'], /unknown flag --ouput \(did you mean --output\?\)/],
    [[file, '--timeout', 'soon'], /--timeout expects a number of seconds > 0, got "soon"/],
    [[file, '--timeout', '0'], /--timeout expects a number of seconds > 0/],
    [[file, '-o'], /--output expects a value/],
    [[file, '-p', 'epochs'], /-p epochs expects a VALUE/],
    [[file, '-p', '1x', '2'], /-p: "1x" is not a valid TypeScript name/],
    [[file, '-p', 'class', '2'], /-p: class is a reserved word/],
    [[], /no notebook given/],
    [[file, 'other.ipynb'], /one notebook at a time: unexpected "other.ipynb"/],
    [[file, '-o', file], /would overwrite the notebook being run/],
  ];
  for (const [args, expected] of cases) {
    const r = run(args, 30000);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, expected, args.join(' '));
  }
  const help = run(['--help'], 30000);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /-p, --parameter NAME VALUE/);
});

test('the HTML export is one page: markdown rendered, code escaped, charts with their PNG, libraries inlined', () => {
  const dir = tmp();
  const file = join(dir, 'chart.ipynb');
  writeFileSync(
    file,
    JSON.stringify(
      notebook([
        { cell_type: 'markdown', metadata: {}, source: '# A *chart*\n\nWhy: `because`.' },
        code(
          "import { viz } from 'amalgam'\nconst rows = [{ x: 1, y: 2 }, { x: 2, y: 3 }, { x: 3, y: 1 }]\n'<b>&</b>'",
        ),
        code("viz.scatter(rows, 'x', 'y')"),
      ]),
    ),
  );
  const html = join(dir, 'chart.html');
  const r = run([file, '--html', html]);
  assert.equal(r.status, 0, r.stderr);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /<h1>A <em>chart<\/em><\/h1>/);
  assert.match(page, /<title>A chart<\/title>/);
  assert.match(page, /&#39;&lt;b&gt;&amp;&lt;\/b&gt;&#39;/);
  assert.match(page, /class="vega-chart" data-chart="0"/);
  assert.match(page, /<img class="chart-png"[^>]* src="data:image\/png;base64,iVBOR/);
  // Self-contained: no script or stylesheet from anywhere, and the libraries' code is in the page.
  assert.doesNotMatch(page, /<script[^>]+src=|<link[^>]+href=/);
  assert.ok(
    page.includes(
      readFileSync(join(ROOT, 'node_modules/vega-embed/build/vega-embed.min.js'), 'utf8')
        .slice(0, 200)
        .replace(/<\/script/gi, '<\\/script'),
    ),
  );
});
