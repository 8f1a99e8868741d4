// The tutorials are the proof that the whole pipeline works: each notebook in notebooks/ runs through
// Debian's nbclient (the real kernel) and through `amalgam run`, with no error output, every chart
// carrying its PNG, and the same text outputs and numbers in both runs and in the committed copy
// (only times, speeds, dates and ports masked). The executed copy, exported by nbconvert to HTML,
// shows every chart and table in Chromium with no network.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CLI, ROOT } from '../helpers/kernelspec.mjs';
import { runCells } from '../helpers/notebook.mjs';
import { assertHtmlExportDrawsCharts, assertPageShowsOutputs, withBrowser } from '../helpers/pages.mjs';
import { comparableOutputs, errorsOf, outputCounts } from '../helpers/outputs.mjs';

const run = promisify(execFile);
const DIR = path.join(ROOT, 'notebooks');
const NOTEBOOKS = fs
  .readdirSync(DIR)
  .filter((f) => /^\d\d-.+\.ipynb$/.test(f))
  .sort();
// Version ids hash what a version is, including the commit of the code that saved it (so the
// committed copy's ids are older than a fresh run's) and, for 06's challengers, the feedback log,
// which records when each request arrived: there only the pattern of ids must agree.
const RENAME_IDS = new Set(['06-deploy-and-learn.ipynb']);
const read = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

test('six tutorials, numbered in order', () => {
  assert.deepEqual(
    NOTEBOOKS.map((f) => f.slice(0, 2)),
    ['01', '02', '03', '04', '05', '06'],
  );
});

/** Runs a notebook in a fresh directory (tutorials write files: a CSV, a registry). */
const scratch = (label) => fs.mkdtempSync(path.join(os.tmpdir(), `amalgam-tutorial-${label}-`));

for (const file of NOTEBOOKS) {
  const name = file.replace(/\.ipynb$/, '');
  test(`${name}: nbclient and amalgam run give the committed outputs, without errors`, {
    timeout: 900_000,
  }, async (t) => {
    const committed = read(path.join(DIR, file));
    const codeCells = committed.cells.filter((c) => c.cell_type === 'code');
    assert.ok(
      codeCells.every((c) => c.outputs.length > 0 || /^(%%sh|\/\/ Parameters)/.test([].concat(c.source).join(''))),
      `${file} is committed with its outputs`,
    );
    assert.deepEqual(errorsOf(committed), [], `${file} is committed without errors`);

    const viaJupyter = await runCells(null, { notebook: committed, cwd: scratch(name), timeout: 600 });
    assert.deepEqual(errorsOf(viaJupyter), [], 'nbclient: no error outputs');

    const cwd = scratch(`${name}-run`);
    fs.copyFileSync(path.join(DIR, file), path.join(cwd, file));
    const out = path.join(cwd, 'executed.ipynb');
    const page = path.join(cwd, `${name}.run.html`);
    await run(process.execPath, [CLI, 'run', file, '-o', out, '--html', page], {
      cwd,
      timeout: 600_000,
      maxBuffer: 1 << 26,
    });
    const viaRun = read(out);
    assert.deepEqual(errorsOf(viaRun), [], 'amalgam run: no error outputs');

    const same = { renameIds: RENAME_IDS.has(file) };
    assert.deepEqual(
      comparableOutputs(viaRun, same),
      comparableOutputs(viaJupyter, same),
      'amalgam run = nbclient run',
    );
    const renamed = { renameIds: true };
    assert.deepEqual(
      comparableOutputs(viaRun, renamed),
      comparableOutputs(committed, renamed),
      'a run = the committed copy',
    );

    const counts = outputCounts(viaRun);
    for (const chart of counts.charts) assert.ok(chart.png, `${chart.where}: a chart carries image/png`);

    await t.test('nbconvert HTML export shows every chart and table in Chromium', async () => {
      const html = path.join(cwd, `${name}.html`);
      await run('jupyter', ['nbconvert', '--to', 'html', out, '--output', html], { cwd });
      await withBrowser((browser) => assertPageShowsOutputs(browser, `file://${html}`, counts));
    });
    await t.test('the --html export draws every chart offline in Chromium', async () => {
      const pngs = counts.charts.filter((c) => c.png).length;
      await withBrowser((browser) =>
        assertHtmlExportDrawsCharts(browser, `file://${page}`, { charts: counts.charts.length, images: pngs }),
      );
    });
  });
}
