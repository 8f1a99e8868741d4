// What the REPL prints for displays: text, a status line redrawn in place, images to files.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TerminalOutput, terminalMarkdown } from '../../dist/kernel/cli/repl-output.js';

// A 1×1 PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

function terminal(tty = true) {
  let screen = '';
  const dir = mkdtempSync(join(tmpdir(), 'amalgam-out-'));
  const out = new TerminalOutput((t) => (screen += t), tty, dir);
  return { out, dir, screen: () => screen };
}

test('a one-line display with an id is a status line: updated in place, other output above it', () => {
  const { out, screen } = terminal();
  out.display({ 'text/plain': 'epoch 1/3' }, { id: 'p' });
  out.display({ 'text/plain': 'epoch 2/3' }, { id: 'p', update: true });
  out.text('a log line\n');
  out.display({ 'text/plain': 'epoch 3/3' }, { id: 'p', update: true });
  out.finishLine();
  assert.equal(screen(), 'epoch 1/3\r\x1b[2Kepoch 2/3\r\x1b[2Ka log line\nepoch 2/3\r\x1b[2Kepoch 3/3\n');
  // Without a terminal, each display is a line of its own.
  const plain = terminal(false);
  plain.out.display({ 'text/plain': 'epoch 1/3' }, { id: 'p' });
  plain.out.display({ 'text/plain': 'epoch 2/3' }, { id: 'p', update: true });
  assert.equal(plain.screen(), 'epoch 1/3\nepoch 2/3\n');
});

test('a chart is written to a PNG whose path is printed; its updates rewrite the file only', () => {
  // Not a terminal: no inline picture, whatever terminal the tests run in.
  const { out, dir, screen } = terminal(false);
  const chart = { 'application/vnd.vegalite.v5+json': {}, 'image/png': PNG, 'text/plain': '<Vega-Lite chart: loss>' };
  out.display(chart, { id: 'c' });
  const file = join(dir, 'chart-1.png');
  assert.equal(screen(), `<Vega-Lite chart: loss> → ${file}\n`);
  assert.equal(readFileSync(file).toString('base64'), PNG);
  const before = statSync(file).mtimeMs;
  out.display(chart, { id: 'c', update: true });
  assert.equal(screen(), `<Vega-Lite chart: loss> → ${file}\n`, 'nothing more printed');
  assert.ok(statSync(file).mtimeMs >= before);
  // A table keeps its text twin (its HTML may hold images; they are not files).
  assert.equal(
    out.render({ 'text/html': '<img src="data:...">', 'image/png': PNG, 'text/plain': 'a table' }),
    'a table',
  );
  assert.ok(!existsSync(join(dir, 'image-2.png')));
});

test('terminals with an image protocol also get the picture inline', () => {
  const saved = process.env.TERM_PROGRAM;
  process.env.TERM_PROGRAM = 'iTerm.app';
  try {
    const { out } = terminal();
    const text = out.render({ 'image/png': PNG, 'text/plain': '<png image>' });
    assert.match(text, /^<png image> → \S+image-1\.png\n/);
    assert.ok(text.includes('\x1b]1337;File=inline=1;size='), 'iTerm2 inline image sequence');
    assert.ok(text.endsWith(`:${PNG}\x07`));
  } finally {
    if (saved === undefined) delete process.env.TERM_PROGRAM;
    else process.env.TERM_PROGRAM = saved;
  }
});

test('markdown as a terminal shows it', () => {
  assert.equal(terminalMarkdown('**%time** (line magic)\n\n```\n%time CODE\n```'), '%time (line magic)\n\n%time CODE');
});
