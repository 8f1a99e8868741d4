// Runs cells (or a whole notebook) through real Jupyter (Debian's nbclient) and the installed kernelspec.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jupyterEnv, ROOT } from './kernelspec.mjs';

const PYTHON = '/usr/bin/python3';

/**
 * runCells(['1 + 1', '%lsmagic']) -> { cells: [{ outputs: [...] }, ...] } (nbformat outputs).
 * options: { timeout (s, per cell), interruptOnTimeout (nbclient interrupts a cell past its timeout),
 *            cwd, notebook (an nbformat object instead of cells) }
 */
export function runCells(cells, options = {}) {
  const output = join(mkdtempSync(join(tmpdir(), 'amalgam-nbout-')), 'executed.ipynb');
  const request = {
    output,
    cells,
    timeout: options.timeout ?? 120,
    interrupt_on_timeout: options.interruptOnTimeout ?? false,
    ...(options.notebook ? { notebook: options.notebook } : {}),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [join(ROOT, 'test', 'helpers', 'run_notebook.py')], {
      env: jupyterEnv(),
      cwd: options.cwd ?? ROOT,
    });
    let out = '',
      err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`nbclient exited with ${code}:\n${err.slice(-3000)}`));
      try {
        resolve(JSON.parse(readFileSync(output, 'utf8')));
      } catch (e) {
        reject(new Error(`nbclient wrote no notebook (${e.message}); stderr:\n${err.slice(-3000)}`));
      }
    });
    child.stdin.end(JSON.stringify(request));
  });
}

/** Text of a cell's outputs of one kind, joined (stream text, or text/plain of results). */
export function textOf(cell, type = 'stream', name) {
  return cell.outputs
    .filter((o) => o.output_type === type && (!name || o.name === name))
    .map((o) => (type === 'stream' ? o.text : [].concat(o.data?.['text/plain'] ?? '').join('')))
    .join('');
}

export const errorOf = (cell) => cell.outputs.find((o) => o.output_type === 'error');
export const resultOf = (cell) => cell.outputs.find((o) => o.output_type === 'execute_result');
