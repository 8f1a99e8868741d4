// `amalgam run` on a terminal (tmux): Ctrl-C stops the run even in a busy loop after an await,
// writes the notebook up to the interrupted cell and exits 130.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI } from '../helpers/kernelspec.mjs';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const code = (id, source) => ({ id, cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null });

test('Ctrl-C stops amalgam run in a terminal and keeps what ran', {
  skip: !hasTmux && 'no tmux',
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'amalgam-run-tty-'));
  writeFileSync(
    join(dir, 'busy.ipynb'),
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        code('a', "console.log('first ran')"),
        code('b', "console.log('spinning')\nawait new Promise((r) => setTimeout(r, 10))\nwhile (true) {}"),
        code('c', "'never'"),
      ],
    }),
  );
  const socket = `amalgam-run-test-${process.pid}`;
  const tmux = (...args) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  tmux(
    'new-session',
    '-d',
    '-s',
    'run',
    '-x',
    '120',
    '-y',
    '20',
    `cd ${dir} && ${process.execPath} ${CLI} run busy.ipynb --allow-errors; echo "RUN EXITED $?"; sleep 60`,
  );
  try {
    const out = join(dir, 'busy.out.ipynb');
    const until = async (check, what, ms = 60_000) => {
      for (const end = Date.now() + ms; Date.now() < end; await sleep(200)) if (check()) return;
      assert.fail(`timed out waiting for ${what}:\n${tmux('capture-pane', '-p', '-t', 'run')}`);
    };
    await until(() => /cell 2 of 3/.test(tmux('capture-pane', '-p', '-t', 'run')), 'cell 2 to start');
    await sleep(1500);
    tmux('send-keys', '-t', 'run', 'C-c');
    await until(() => /RUN EXITED \d+/.test(tmux('capture-pane', '-p', '-t', 'run')), 'the run to end', 20_000);
    assert.match(tmux('capture-pane', '-p', '-t', 'run'), /RUN EXITED 130/);
    assert.ok(existsSync(out));
    const nb = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(nb.cells[0].outputs[0].text, 'first ran\n');
    assert.equal(nb.cells[1].outputs.at(-1).ename, 'KeyboardInterrupt');
    // --allow-errors or not, Ctrl-C ends the run: the last cell did not run.
    assert.deepEqual(nb.cells[2].outputs, []);
  } finally {
    // The run itself first: a failed test may leave it spinning, and a closed terminal does not stop it.
    try {
      const shell = tmux('display-message', '-p', '-t', 'run', '#{pane_pid}').trim();
      for (const pid of readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').split(/\s+/).filter(Boolean))
        process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* already gone */
    }
    tmux('kill-server');
    rmSync(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid()}`, socket), { force: true });
  }
});
