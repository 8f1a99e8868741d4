// Small pure pieces: cell splitting, argument parsing, time formatting, kernelspec install.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { splitCell } from '../../dist/kernel/magics/split.js';
import { parseArgs, tokenize } from '../../dist/lib/magics/args.js';
import { formatTime } from '../../dist/kernel/magics/timing.js';
import { closest } from '../../dist/lib/util/text.js';
import { CLI } from '../helpers/kernelspec.mjs';

test('splitCell: line magics anywhere, cell magics on the first line, line offsets kept', () => {
  const segs = splitCell('const a = 1\n%time a + 1\nconst b = 2\nb');
  assert.deepEqual(
    segs.map((s) => [s.kind, s.line]),
    [
      ['code', 0],
      ['line', 1],
      ['code', 2],
    ],
  );
  assert.equal(segs[1].name, 'time');
  assert.equal(segs[1].args, 'a + 1');
  const cell = splitCell('\n%%writefile out.txt\nline %not-a-magic\n');
  assert.equal(cell.length, 1);
  assert.equal(cell[0].kind, 'cell');
  assert.equal(cell[0].body, 'line %not-a-magic\n');
  assert.equal(splitCell('%train?')[0].help, true);
  // inside a template literal a line starting with % is text, not a magic
  assert.deepEqual(
    splitCell('const t = `\n%50\n`').map((s) => s.kind),
    ['code'],
  );
});

test('parseArgs: quotes, --flag value, --flag=value, booleans, -n 5', () => {
  assert.deepEqual(tokenize(`a "b c" 'd e' f\\ g`), ['a', 'b c', 'd e', 'f g']);
  const a = parseArgs('fm --data fashion --epochs=3 --force -n 5 "x y"', ['force']);
  assert.deepEqual(a._, ['fm', 'x y']);
  assert.deepEqual(a.flags, { data: 'fashion', epochs: '3', force: true, n: '5' });
  assert.throws(() => tokenize('"open'), /unterminated/);
});

test('formatTime matches IPython (%.3g with units)', () => {
  assert.equal(formatTime(1.234e-6), '1.23 µs');
  assert.equal(formatTime(0.0123), '12.3 ms');
  assert.equal(formatTime(100e-9), '100 ns');
  assert.equal(formatTime(2.5), '2.5 s');
});

test('closest suggests near names only', () => {
  assert.equal(closest('tiem', ['time', 'timeit', 'who']), 'time');
  assert.equal(closest('zzzzzz', ['time', 'who']), undefined);
});

test('amalgam install writes a kernelspec with logos; --help and --version answer', () => {
  const prefix = mkdtempSync(join(tmpdir(), 'amalgam-install-'));
  execFileSync(process.execPath, [CLI, 'install', '--prefix', prefix, '--name', 'ts-test']);
  const dir = join(prefix, 'share', 'jupyter', 'kernels', 'ts-test');
  const spec = JSON.parse(readFileSync(join(dir, 'kernel.json'), 'utf8'));
  assert.equal(spec.language, 'typescript');
  assert.equal(spec.interrupt_mode, 'message');
  assert.deepEqual(spec.argv.slice(2), ['kernel', '{connection_file}']);
  assert.ok(existsSync(spec.argv[1]));
  for (const f of ['logo-32x32.png', 'logo-64x64.png'])
    assert.deepEqual([...readFileSync(join(dir, f)).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  assert.match(readFileSync(join(dir, 'logo-svg.svg'), 'utf8'), /<svg/);
  const user = mkdtempSync(join(tmpdir(), 'amalgam-xdg-'));
  execFileSync(process.execPath, [CLI, 'install', '--user'], {
    env: { ...process.env, XDG_DATA_HOME: user, JUPYTER_DATA_DIR: '' },
  });
  assert.ok(existsSync(join(user, 'jupyter', 'kernels', 'amalgam', 'kernel.json')));
  const bad = spawnSync(process.execPath, [CLI, 'install', '--sys-prefix'], {
    env: { ...process.env, CONDA_PREFIX: '', VIRTUAL_ENV: '' },
    encoding: 'utf8',
  });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--sys-prefix/);
  assert.match(execFileSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' }), /^\d+\.\d+\.\d+/);
  for (const cmd of [[], ['install', '--help'], ['kernel', '--help'], ['repl', '--help'], ['bench', '--help']]) {
    assert.match(execFileSync(process.execPath, [CLI, ...cmd], { encoding: 'utf8' }), /Usage|amalgam/);
  }
});
