// The terminal REPL: same executor and magics, multi-line input continues until complete; in a real
// terminal (tmux) Tab completes, history persists with whole entries, Ctrl-C stops even a
// synchronous loop and keeps the state, exit leaves at once.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI } from '../helpers/kernelspec.mjs';

test('amalgam repl runs typed cells, magics and multi-line input', () => {
  const input =
    'const a: number = 2\na * 21\n%timeit -n 3 -r 2 a + 1\nfunction f(x: number) {\n  return x * 2\n}\nf(a)\nconst b: string = a\na\n%time?\n%%writefile w.txt\nfirst\nsecond\n\n1 + 1\n';
  const home = mkdtempSync(join(tmpdir(), 'amalgam-home-'));
  const r = spawnSync(process.execPath, [CLI, 'repl'], {
    input,
    encoding: 'utf8',
    timeout: 60000,
    env: { ...process.env, AMALGAM_HOME: home },
    cwd: home,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Out\[2\]: 42/);
  assert.match(r.stdout, /per loop \(mean ± std\. dev\. of 2 runs, 3 loops each\)/);
  assert.match(r.stdout, /Out\[5\]: 4/);
  assert.match(r.stderr, /In\[6\] line 1, column 7: Type 'number' is not assignable to type 'string'/);
  assert.match(r.stdout, /Out\[7\]: 2/);
  // A magic's help as plain text, without its markdown.
  assert.match(r.stdout, /Out\[8\]: %time \(line magic\)\n\n%time CODE\n/);
  assert.doesNotMatch(r.stdout, /\*\*|```/);
  // A cell magic takes the lines up to an empty one.
  assert.equal(readFileSync(join(home, 'w.txt'), 'utf8'), 'first\nsecond\n');
  assert.match(r.stdout, /Out\[10\]: 2/);
  // History: one JSON string per entry, the function as one entry of three lines.
  const entries = readFileSync(join(home, 'repl_history'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(entries.includes('function f(x: number) {\n  return x * 2\n}'), entries.join(' | '));
  assert.ok(!entries.includes('}'));
});

test('a reader that goes away (| head) ends the REPL instead of spinning on EPIPE', async () => {
  const home = mkdtempSync(join(tmpdir(), 'amalgam-home-'));
  const child = spawn(process.execPath, [CLI, 'repl'], { env: { ...process.env, AMALGAM_HOME: home } });
  child.stdin.end('%help\n%help train\n%help timeit\n%help latent\nawait new Promise((r) => setTimeout(r, 60_000))\n');
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await Promise.race([
    new Promise((resolve) => child.on('exit', resolve)),
    sleep(30_000).then(() => 'still running'),
  ]);
  child.kill();
  assert.equal(code, 0);
});

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/** A REPL in a tmux pane of its own server (-L), so other tmux users are never touched. */
class Pane {
  constructor(home) {
    this.socket = `amalgam-repl-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    this.tmux(
      'new-session',
      '-d',
      '-s',
      'repl',
      '-x',
      '160',
      '-y',
      '50',
      `cd ${tmpdir()} && AMALGAM_HOME=${home} ${process.execPath} ${CLI} repl; echo "REPL EXITED $?"; sleep 60`,
    );
  }
  tmux(...args) {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }
  keys(...keys) {
    this.tmux('send-keys', '-t', 'repl', ...keys);
  }
  /** Literal text (no key names), then Enter. */
  line(text) {
    this.tmux('send-keys', '-t', 'repl', '-l', text);
    this.keys('Enter');
  }
  screen() {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-500', '-t', 'repl');
  }
  async waitFor(pattern, timeout = 30000) {
    const end = Date.now() + timeout;
    for (;;) {
      const s = this.screen();
      if (pattern.test(s)) return s;
      if (Date.now() > end) assert.fail(`timed out waiting for ${pattern}; screen:\n${s}`);
      await sleep(150);
    }
  }
  close() {
    // The REPL itself first: a failed test may leave it busy, and a closed terminal does not stop that.
    try {
      const shell = this.tmux('display-message', '-p', '-t', 'repl', '#{pane_pid}').trim();
      for (const pid of readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').split(/\s+/).filter(Boolean))
        process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* already gone */
    }
    try {
      this.tmux('kill-server');
    } catch {
      /* already gone */
    }
    // The server's socket file, which a killed server leaves behind.
    rmSync(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid()}`, this.socket), { force: true });
  }
}

test('a terminal closed while a cell spins ends the REPL (no process left at 100% CPU)', {
  skip: !hasTmux && 'no tmux',
  timeout: 90_000,
}, async () => {
  const pane = new Pane(mkdtempSync(join(tmpdir(), 'amalgam-home-')));
  let repl;
  try {
    await pane.waitFor(/In \[1\]: $/m, 60000);
    pane.line('while (true) {}');
    await pane.waitFor(/In \[1\]: while/);
    await sleep(1000);
    const shell = pane.tmux('display-message', '-p', '-t', 'repl', '#{pane_pid}').trim();
    [repl] = readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').split(/\s+/).filter(Boolean);
    pane.tmux('kill-server');
    const alive = () => {
      try {
        return !/^State:\s+Z/m.test(readFileSync(`/proc/${repl}/status`, 'utf8'));
      } catch {
        return false;
      }
    };
    for (const end = Date.now() + 10_000; alive() && Date.now() < end; ) await sleep(100);
    assert.equal(alive(), false, `the REPL (pid ${repl}) outlived its terminal`);
  } finally {
    pane.close();
    try {
      if (repl) process.kill(Number(repl), 'SIGKILL');
    } catch {
      /* gone, as it should be */
    }
  }
});

test('the REPL in a terminal: completion, Ctrl-C, indent, help, tables, charts, progress, exit', {
  skip: !hasTmux && 'no tmux',
  timeout: 240_000,
}, async () => {
  const home = mkdtempSync(join(tmpdir(), 'amalgam-home-'));
  const pane = new Pane(home);
  try {
    await pane.waitFor(/In \[1\]: $/m, 60000);
    pane.line('const counter = 41');
    await pane.waitFor(/In \[2\]: $/m);
    // Tab: the type checker's answer (toFixed is a member of number), inserted in place.
    pane.keys('-l', 'counter.toFi');
    pane.keys('Tab');
    await pane.waitFor(/In \[2\]: counter\.toFixed$/m);
    pane.line('(1)');
    await pane.waitFor(/Out\[2\]: '41\.0'/);

    // Ctrl-C stops a synchronous loop; the REPL and its names survive.
    pane.line('let spins = 0; while (true) { spins++ }');
    await pane.waitFor(/In \[3\]: let spins/);
    await sleep(1000);
    pane.keys('C-c');
    await pane.waitFor(/KeyboardInterrupt: interrupted by the user\nIn \[4\]: $/m, 15000);
    pane.line('counter + 1');
    await pane.waitFor(/Out\[4\]: 42/);
    // ... an await at once, and a busy loop after an await.
    pane.line('await new Promise((r) => setTimeout(r, 60_000))');
    await pane.waitFor(/In \[5\]: await/);
    await sleep(500);
    pane.keys('C-c');
    await pane.waitFor(/In \[6\]: $/m, 10000);
    pane.line('await new Promise((r) => setTimeout(r, 10)); while (true) {}');
    await pane.waitFor(/In \[6\]: await/);
    await sleep(1000);
    pane.keys('C-c');
    await pane.waitFor(/In \[7\]: $/m, 15000);

    // Auto-indent: the user's own indentation replaces it (never doubled), `}` dedents.
    pane.line('function twice(x: number) {');
    await pane.waitFor(/ {3}\.\.\.: {3}$/m);
    pane.line('  return x * 2');
    pane.line('}');
    await pane.waitFor(/In \[8\]: $/m);
    const s = pane.screen();
    assert.match(s, /\n {3}\.\.\.: {3}return x \* 2\n {3}\.\.\.: \}\n/);

    // A magic's help as plain text; a table as text.
    pane.line('%time?');
    await pane.waitFor(/Out\[8\]: %time \(line magic\)/);
    pane.line('%load iris iris');
    const table = await pane.waitFor(/150 rows × 5 columns[\s\S]*In \[10\]: $/m, 60000);
    assert.doesNotMatch(table, /<table|<pre|\*\*%time\*\*/);

    // A chart: written to a PNG whose path is printed.
    pane.line("import { viz } from 'amalgam'; viz.scatter(iris, 'sepal_length', 'petal_length')");
    const chart = await pane.waitFor(/<Vega-Lite chart[^\n]*→ (\S+\.png)/, 60000);
    const png = /<Vega-Lite chart[^\n]*→ (\S+\.png)/.exec(chart)[1];
    assert.ok(existsSync(png), png);
    assert.deepEqual([...readFileSync(png).subarray(1, 4)], [0x50, 0x4e, 0x47]);

    // Progress: updates of one display id are drawn in place, on one line.
    pane.line(
      "for (let i = 1; i <= 4; i++) { await display(`step ${i} of 4`, { id: 'p', update: i > 1 }); await new Promise((r) => setTimeout(r, 150)) }",
    );
    const progress = await pane.waitFor(/step 4 of 4'\nIn \[12\]: $/m);
    assert.equal(progress.match(/step \d of 4/g).length, 1, progress);

    // exit leaves at once, with a ten-minute timer pending.
    pane.line('setTimeout(() => {}, 600_000); 0');
    await pane.waitFor(/Out\[12\]: 0/);
    pane.line('exit');
    await pane.waitFor(/REPL EXITED 0/, 5000);
  } finally {
    pane.close();
  }

  // A new session: Up recalls the last entry (the function) whole; Ctrl-D leaves.
  const again = new Pane(home);
  try {
    await again.waitFor(/In \[1\]: $/m, 60000);
    again.keys('Up');
    // The last entry is `exit`... which is not kept; before it the timer line, then the progress loop.
    await again.waitFor(/In \[1\]: setTimeout/);
    again.keys('C-u');
    for (let i = 0; i < 5; i++) again.keys('Up');
    await again.waitFor(/In \[1\]: function twice\(x: number\) \{\n {2}return x \* 2\n\}$/m);
    again.keys('Enter');
    await again.waitFor(/In \[2\]: $/m);
    again.line('twice(21)');
    await again.waitFor(/Out\[2\]: 42/);
    // input() and prompt() read this terminal; Ctrl-C ends the wait as an interrupt.
    again.line("const who = await input('Name? ')");
    await again.waitFor(/^Name\? $/m);
    again.line('Ada');
    await again.waitFor(/In \[4\]: $/m);
    again.line("const age = prompt('Age? ')");
    await again.waitFor(/^Age\? $/m);
    again.line('36');
    await again.waitFor(/In \[5\]: $/m);
    again.line('who + age');
    await again.waitFor(/Out\[5\]: 'Ada36'/);
    again.line("await input('Again? ')");
    await again.waitFor(/^Again\? $/m);
    again.keys('C-c');
    await again.waitFor(/Again\? \^C\nKeyboardInterrupt: interrupted by the user\nIn \[7\]: $/m);
    again.keys('C-d');
    await again.waitFor(/REPL EXITED 0/, 5000);
  } finally {
    again.close();
  }
});
