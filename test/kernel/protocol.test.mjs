// Wire-protocol behaviour against a real `amalgam kernel` process over ZeroMQ.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { KernelClient, resultText } from '../helpers/client.mjs';

const { PNG } = createRequire(import.meta.url)('pngjs');

let k;
before(async () => {
  k = await KernelClient.start();
});
after(async () => {
  await k?.close();
});

const types = (outputs) => outputs.map((m) => m.header.msg_type);

describe('kernel_info and execute', () => {
  test('kernel_info describes TypeScript', () => {
    const c = k.info.content;
    assert.equal(c.status, 'ok');
    assert.equal(c.protocol_version, '5.3');
    assert.equal(c.language_info.name, 'typescript');
    assert.equal(c.language_info.file_extension, '.ts');
    assert.ok(c.language_info.codemirror_mode);
    assert.match(c.banner, /amalgam/);
    assert.ok(c.help_links.length > 0);
  });

  test('busy, execute_input, execute_result, idle in order; replies are signed', async () => {
    const { reply, outputs } = await k.execute('const answer: number = 6 * 7\nanswer');
    assert.equal(reply.content.status, 'ok');
    assert.ok(reply.signatureOk);
    assert.deepEqual(types(outputs), ['status', 'execute_input', 'execute_result', 'status']);
    assert.equal(outputs[0].content.execution_state, 'busy');
    assert.equal(outputs.at(-1).content.execution_state, 'idle');
    assert.equal(resultText(outputs), '42');
    assert.equal(outputs[2].content.execution_count, reply.content.execution_count);
    const timing = reply.metadata.amalgam;
    assert.ok(timing.check_ms > 0 && timing.check_ms <= timing.total_ms, JSON.stringify(timing));
  });

  test('execution_count counts only stored executions', async () => {
    const a = (await k.execute('1')).reply.content.execution_count;
    const b = (await k.execute('2', { store_history: false })).reply.content.execution_count;
    const c = (await k.execute('3', { silent: true })).reply.content.execution_count;
    const d = (await k.execute('4')).reply.content.execution_count;
    assert.equal(b, a);
    assert.equal(c, a);
    assert.equal(d, a + 1);
  });

  test('a type error is an error reply naming line and column; state survives', async () => {
    const { reply, outputs } = await k.execute('const fine = 1\nconst bad: string = answer');
    assert.equal(reply.content.status, 'error');
    assert.equal(reply.content.ename, 'TypeScriptError');
    assert.match(reply.content.evalue, /line 2, column 7/);
    assert.match(reply.content.evalue, /TS2322/);
    assert.ok(types(outputs).includes('error'));
    assert.equal(resultText((await k.execute('answer + 1')).outputs), '43');
  });

  test('a thrown error points at the cell line and column through a function', async () => {
    await k.execute(
      'function explode(n: number): number {\n  if (n > 1) throw new RangeError(`too big: ${n}`)\n  return n\n}',
    );
    const { reply } = await k.execute('const ok = explode(1)\nexplode(5)');
    assert.equal(reply.content.ename, 'RangeError');
    assert.equal(reply.content.evalue, 'too big: 5');
    const tb = reply.content.traceback.join('\n');
    assert.match(tb, /line 2, column 20 in explode/);
    assert.match(tb, /In\[\d+\] line 2, column 1/);
    assert.equal(resultText((await k.execute('ok')).outputs), '1');
  });

  test('re-running a cell that declares const works', async () => {
    await k.execute('const again = 1');
    const { reply, outputs } = await k.execute('const again = 2; again');
    assert.equal(reply.content.status, 'ok');
    assert.equal(resultText(outputs), '2');
  });

  test('stdout and stderr stream in order with displays, several displays all show', async () => {
    const { outputs } = await k.execute(
      "console.log('one'); display({ n: 1 }); console.error('two'); display('three'); 'last'",
    );
    const seq = outputs
      .filter((m) => ['stream', 'display_data', 'execute_result'].includes(m.header.msg_type))
      .map((m) =>
        m.header.msg_type === 'stream'
          ? `${m.content.name}:${m.content.text.trim()}`
          : `${m.header.msg_type}:${m.content.data['text/plain']}`,
      );
    assert.deepEqual(seq, [
      'stdout:one',
      'display_data:{ n: 1 }',
      'stderr:two',
      "display_data:'three'",
      "execute_result:'last'",
    ]);
  });

  test('display ids: update_display_data replaces in place', async () => {
    const { outputs } = await k.execute(
      "await display('0%', { id: 'progress' }); for (const p of ['50%', '100%']) await display(p, { id: 'progress', update: true })",
    );
    const shown = outputs.filter((m) => m.header.msg_type.endsWith('display_data'));
    assert.deepEqual(
      shown.map((m) => m.header.msg_type),
      ['display_data', 'update_display_data', 'update_display_data'],
    );
    assert.ok(shown.every((m) => m.content.transient.display_id === 'progress'));
    assert.equal(shown.at(-1).content.data['text/plain'], "'100%'");
  });

  test('objects that render themselves (Symbol.for("Jupyter.display")) are shown with their bundle', async () => {
    const { outputs } = await k.execute(
      "({ [Symbol.for('Jupyter.display')]: () => ({ 'text/html': '<b>hi</b>', 'text/plain': 'hi' }) })",
    );
    const r = outputs.find((m) => m.header.msg_type === 'execute_result');
    assert.equal(r.content.data['text/html'], '<b>hi</b>');
  });

  test('Vega-Lite specs get the v5 mime type and a PNG rendered in the kernel', async () => {
    const { outputs } = await k.execute(
      "({ $schema: 'https://vega.github.io/schema/vega-lite/v5.json', data: { values: [{ a: 1, b: 2 }, { a: 2, b: 5 }] }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' } } })",
    );
    const data = outputs.find((m) => m.header.msg_type === 'execute_result').content.data;
    assert.ok(data['application/vnd.vegalite.v5+json']);
    const png = PNG.sync.read(Buffer.from(data['image/png'], 'base64'));
    let ink = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i] < 200) ink++;
    assert.ok(png.width > 100 && ink > 100, `a drawn chart (${png.width} px wide, ${ink} dark pixels)`);
    assert.equal(data['image/svg+xml'], undefined);
  });

  test('tf.Tensor renders with shape, dtype and values', async () => {
    const { outputs } = await k.execute("import * as tf from '@tensorflow/tfjs'\ntf.tensor([[1, 2], [3, 4]])");
    const data = outputs.find((m) => m.header.msg_type === 'execute_result').content.data;
    assert.match(data['text/plain'], /Tensor float32 \[2, 2\]/);
    assert.match(data['text/html'], /<table>/);
  });

  test('ESM-only packages and node builtins import', async () => {
    const { reply, outputs } = await k.execute(
      "import * as vl from 'vega-lite'\nimport { join } from 'node:path'\n[typeof vl.compile, join('a', 'b')]",
    );
    assert.equal(reply.content.status, 'ok', reply.content.evalue);
    assert.match(resultText(outputs), /'function', 'a\/b'/);
  });

  test('amalgam itself imports in a cell', async () => {
    const { reply, outputs } = await k.execute(
      "import { seed, random } from 'amalgam'\nseed(3); const r1 = random(); seed(3); r1 === random()",
    );
    assert.equal(reply.content.status, 'ok', reply.content.evalue);
    assert.equal(resultText(outputs), 'true');
  });

  test('an unhandled rejection after a cell finished is reported, not fatal', async () => {
    const { reply } = await k.execute("setTimeout(() => Promise.reject(new Error('late failure')), 10); 'done'");
    assert.equal(reply.content.status, 'ok');
    await k.waitFor(
      () => k.iopubMessages.some((m) => m.header.msg_type === 'stream' && /late failure/.test(m.content.text)),
      5000,
      'the late rejection',
    );
    assert.equal(resultText((await k.execute('answer')).outputs), '42');
  });
});

describe('interrupt', () => {
  test('interrupt_request stops a synchronous infinite loop; the kernel and its state survive', async () => {
    const header = await k.send('shell', 'execute_request', {
      code: 'let spins = 0\nwhile (true) { spins++ }',
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
    });
    await new Promise((r) => setTimeout(r, 700));
    const ir = await k.request('control', 'interrupt_request', {});
    assert.equal(ir.content.status, 'ok');
    const reply = await k.waitFor(() => k.replies.get(header.msg_id), 15000, 'interrupted reply');
    assert.equal(reply.content.status, 'error');
    assert.equal(reply.content.ename, 'KeyboardInterrupt');
    assert.equal(resultText((await k.execute('answer')).outputs), '42');
  });

  test('interrupt stops an async loop at its next await', async () => {
    const header = await k.send('shell', 'execute_request', {
      code: "import { interrupted } from 'amalgam'\nlet ticks = 0\nwhile (!interrupted()) { ticks++; await new Promise(r => setTimeout(r, 5)) }",
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
    });
    await new Promise((r) => setTimeout(r, 500));
    await k.request('control', 'interrupt_request', {});
    const reply = await k.waitFor(() => k.replies.get(header.msg_id), 10000, 'interrupted reply');
    assert.equal(reply.content.ename, 'KeyboardInterrupt');
    const { outputs } = await k.execute('ticks > 0');
    assert.equal(resultText(outputs), 'true');
  });
});

describe('introspection', () => {
  test('complete_request completes members with types from earlier cells', async () => {
    await k.execute("const account = { balance: 10, owner: 'ada' }");
    const code = 'account.ba';
    const r = await k.request('shell', 'complete_request', { code, cursor_pos: code.length });
    assert.equal(r.content.status, 'ok');
    assert.deepEqual(r.content.matches, ['balance']);
    assert.equal(r.content.cursor_start, 'account.'.length);
    assert.equal(r.content.cursor_end, code.length);
  });

  test('complete_request completes magic names', async () => {
    const r = await k.request('shell', 'complete_request', { code: '%tim', cursor_pos: 4 });
    assert.deepEqual(r.content.matches, ['%time', '%timeit']);
    assert.equal(r.content.cursor_start, 0);
  });

  test('inspect_request shows the type and documentation under the cursor', async () => {
    await k.execute('/** Adds one to a number. */\nfunction inc(n: number): number { return n + 1 }');
    const r = await k.request('shell', 'inspect_request', { code: 'inc(2)', cursor_pos: 1, detail_level: 0 });
    assert.equal(r.content.found, true);
    assert.match(r.content.data['text/plain'], /function inc\(n: number\): number/);
    assert.match(r.content.data['text/plain'], /Adds one to a number/);
    const none = await k.request('shell', 'inspect_request', { code: '   ', cursor_pos: 1, detail_level: 0 });
    assert.equal(none.content.found, false);
  });

  test('is_complete_request: complete, incomplete with indent, invalid', async () => {
    const ask = async (code) => (await k.request('shell', 'is_complete_request', { code })).content;
    assert.equal((await ask('const a = 1')).status, 'complete');
    const open = await ask('function f() {\n  if (x) {');
    assert.equal(open.status, 'incomplete');
    assert.equal(open.indent, '    ');
    assert.equal((await ask('const = = 2;')).status, 'invalid');
    assert.equal((await ask('%%time')).status, 'incomplete');
  });

  test('history_request returns stored inputs (tail, range, search)', async () => {
    const tail = (
      await k.request('shell', 'history_request', { hist_access_type: 'tail', n: 2, output: false, raw: true })
    ).content.history;
    assert.equal(tail.length, 2);
    assert.ok(
      tail.every(([session, line, input]) => session === 1 && typeof line === 'number' && typeof input === 'string'),
    );
    const search = (
      await k.request('shell', 'history_request', {
        hist_access_type: 'search',
        pattern: 'const account*',
        n: 10,
        output: false,
        raw: true,
      })
    ).content.history;
    assert.equal(search.length, 1);
    assert.match(search[0][2], /balance: 10/);
    const range = (
      await k.request('shell', 'history_request', {
        hist_access_type: 'range',
        session: 0,
        start: 1,
        stop: 3,
        output: false,
        raw: true,
      })
    ).content.history;
    assert.deepEqual(
      range.map((h) => h[1]),
      [1, 2],
    );
  });
});

describe('stdin, comms, signatures', () => {
  test('input() sends input_request on stdin and gets the reply', async () => {
    const header = await k.send('shell', 'execute_request', {
      code: "const name = await input('Name? ');\n`hello ${name}`",
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: true,
    });
    const req = await k.waitFor(
      () => k.stdinMessages.find((m) => m.header.msg_type === 'input_request'),
      10000,
      'input_request',
    );
    assert.equal(req.content.prompt, 'Name? ');
    await k.send('stdin', 'input_reply', { value: 'ada' });
    await k.waitFor(() => k.replies.get(header.msg_id), 10000, 'reply');
    assert.equal(resultText(await k.outputs(header.msg_id)), "'hello ada'");
  });

  test('input() without allow_stdin is a clear error', async () => {
    const { reply } = await k.execute("await input('x')");
    assert.equal(reply.content.status, 'error');
    assert.match(reply.content.evalue, /allow_stdin/);
  });

  test('comms: a kernel-side target answers messages from the frontend', async () => {
    await k.execute(
      "import { comm } from 'amalgam'\ncomm.registerTarget('echo', (c) => c.onMsg((m) => c.send({ echo: m.data.value * 2 })))",
    );
    await k.send('shell', 'comm_open', { comm_id: 'c1', target_name: 'echo', data: {} });
    const info = await k.request('shell', 'comm_info_request', { target_name: 'echo' });
    assert.deepEqual(info.content.comms, { c1: { target_name: 'echo' } });
    await k.send('shell', 'comm_msg', { comm_id: 'c1', data: { value: 21 } });
    const echoed = await k.waitFor(
      () => k.iopubMessages.find((m) => m.header.msg_type === 'comm_msg' && m.content.comm_id === 'c1'),
      5000,
      'comm echo',
    );
    assert.deepEqual(echoed.content.data, { echo: 42 });
    await k.send('shell', 'comm_open', { comm_id: 'c2', target_name: 'nobody', data: {} });
    await k.waitFor(
      () => k.iopubMessages.find((m) => m.header.msg_type === 'comm_close' && m.content.comm_id === 'c2'),
      5000,
      'comm_close for unknown target',
    );
  });

  test('a message with a bad signature is dropped and never executed', async () => {
    await k.send(
      'shell',
      'execute_request',
      {
        code: 'globalThis.tampered = true',
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false,
      },
      { key: 'wrong-key' },
    );
    await new Promise((r) => setTimeout(r, 300));
    const { outputs } = await k.execute('typeof (globalThis as any).tampered');
    assert.equal(resultText(outputs), "'undefined'");
    assert.match(k.stderr, /bad signature/);
  });

  test('heartbeat echoes while a cell is busy', async () => {
    const header = await k.send('shell', 'execute_request', {
      code: 'const t0 = Date.now(); while (Date.now() - t0 < 1500) {}',
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
    });
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await k.hb.send('ping');
    const [pong] = await k.hb.receive();
    assert.equal(pong.toString(), 'ping');
    assert.ok(Date.now() - started < 1000, 'heartbeat answered while the main thread was busy');
    await k.waitFor(() => k.replies.get(header.msg_id), 10000, 'busy cell reply');
  });
});
