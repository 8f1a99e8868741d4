// The rows of the public cross-kernel conformance matrix (runtimed's kernel-testbed), one test each,
// against a real `amalgam kernel`, plus imports of local .ts files after %cd.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { KernelClient, resultText, streamText } from '../helpers/client.mjs';

let k;
before(async () => {
  k = await KernelClient.start();
});
after(async () => {
  await k?.close();
});
const has = (outputs, type) => outputs.some((m) => m.header.msg_type === type);

test('tier 1: heartbeat_responds', async () => {
  await k.hb.send('x');
  assert.equal((await k.hb.receive())[0].toString(), 'x');
});
test('tier 1: kernel_info_reply_valid, language_info, protocol_version', () => {
  assert.equal(k.info.content.status, 'ok');
  assert.ok(k.info.content.language_info.name);
  assert.ok(k.info.content.protocol_version);
});
test('tier 1: execute_stdout / execute_stderr', async () => {
  assert.match(streamText((await k.execute("console.log('hello')")).outputs), /hello/);
  assert.match(streamText((await k.execute("console.error('error')")).outputs, 'stderr'), /error/);
});
test('tier 1: execute_reply_ok, status_busy_idle_lifecycle, execute_input_broadcast', async () => {
  const { reply, outputs } = await k.execute('const complete = 1');
  assert.equal(reply.content.status, 'ok');
  const states = outputs.filter((m) => m.header.msg_type === 'status').map((m) => m.content.execution_state);
  assert.deepEqual(states, ['busy', 'idle']);
  assert.ok(has(outputs, 'execute_input'));
});
test('tier 2: complete_request, inspect_request', async () => {
  await k.execute('const testVariable = 42');
  const c = await k.request('shell', 'complete_request', { code: 'testV', cursor_pos: 5 });
  assert.deepEqual(c.content.matches, ['testVariable']);
  const i = await k.request('shell', 'inspect_request', { code: 'testVariable', cursor_pos: 12, detail_level: 0 });
  assert.equal(i.content.found, true);
  assert.match(i.content.data['text/plain'], /testVariable: 42/);
});
test('tier 2: is_complete complete / incomplete', async () => {
  assert.equal((await k.request('shell', 'is_complete_request', { code: 'const a = 1' })).content.status, 'complete');
  assert.equal(
    (await k.request('shell', 'is_complete_request', { code: 'function f() {' })).content.status,
    'incomplete',
  );
});
test('tier 2: history_request, comm_info_request', async () => {
  const h = await k.request('shell', 'history_request', { hist_access_type: 'tail', n: 10, output: false, raw: true });
  assert.equal(h.content.status, 'ok');
  assert.ok(h.content.history.length > 0);
  const ci = await k.request('shell', 'comm_info_request', {});
  assert.equal(ci.content.status, 'ok');
});
test('tier 2: error_handling (syntax error)', async () => {
  const { reply, outputs } = await k.execute('const = ;');
  assert.equal(reply.content.status, 'error');
  assert.ok(has(outputs, 'error'));
  assert.match(reply.content.evalue, /line 1, column 7/);
});
test('tier 3: display_data, update_display_data, execute_result, rich execute_result', async () => {
  assert.ok(has((await k.execute('display({ a: 1 })')).outputs, 'display_data'));
  const u = (await k.execute("await display('a', { id: 'd' }); await display('b', { id: 'd', update: true })")).outputs;
  assert.ok(has(u, 'display_data') && has(u, 'update_display_data'));
  assert.ok(has((await k.execute('1 + 1')).outputs, 'execute_result'));
  const rich = (await k.execute("import { html } from 'amalgam'\nhtml('<b>rich</b>')")).outputs.find(
    (m) => m.header.msg_type === 'execute_result',
  );
  assert.equal(rich.content.data['text/html'], '<b>rich</b>');
});
test('tier 4: stdin_input_request', async () => {
  const header = await k.send('shell', 'execute_request', {
    code: "console.log(await input('Enter: '))",
    silent: false,
    store_history: true,
    user_expressions: {},
    allow_stdin: true,
  });
  await k.waitFor(() => k.stdinMessages.some((m) => m.parent_header.msg_id === header.msg_id), 5000, 'input_request');
  await k.send('stdin', 'input_reply', { value: 'test_input_42' });
  assert.match(streamText(await k.outputs(header.msg_id)), /test_input_42/);
  // iopub (idle) and shell (the reply) travel on different sockets: either may arrive first.
  const reply = await k.waitFor(() => k.replies.get(header.msg_id), 5000, 'execute_reply');
  assert.equal(reply.content.status, 'ok');
});
test('tier 4: comms_lifecycle (unknown target is closed), interrupt_request, execution_count_increments, parent_header_correlation', async () => {
  await k.send('shell', 'comm_open', { comm_id: 'testbed-1', target_name: 'jupyter.kernel_testbed.test', data: {} });
  await k.waitFor(
    () => k.iopubMessages.some((m) => m.header.msg_type === 'comm_close' && m.content.comm_id === 'testbed-1'),
    5000,
    'comm_close',
  );
  assert.equal((await k.request('control', 'interrupt_request', {})).content.status, 'ok');
  const a = (await k.execute('1')).reply.content.execution_count;
  const b = (await k.execute('1')).reply.content.execution_count;
  assert.ok(b > a);
  const { reply, outputs } = await k.execute("console.log('hello')");
  assert.ok(reply.parent_header.msg_id && outputs.every((m) => m.parent_header.msg_id === reply.parent_header.msg_id));
});

test('local .ts files import with their types, from the folder %cd moved to', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'amalgam-local-'));
  writeFileSync(
    join(dir, 'geometry.ts'),
    'export interface Point { x: number; y: number }\nexport function norm(p: Point): number { return Math.hypot(p.x, p.y) }\n',
  );
  await k.execute(`%cd ${dir}`);
  const ok = await k.execute("import { norm, type Point } from './geometry'\nconst p: Point = { x: 3, y: 4 }\nnorm(p)");
  assert.equal(ok.reply.content.status, 'ok', ok.reply.content.evalue);
  assert.equal(resultText(ok.outputs), '5');
  const bad = await k.execute("norm({ x: 'a', y: 1 })");
  assert.equal(bad.reply.content.ename, 'TypeScriptError');
  assert.match(bad.reply.content.evalue, /Type 'string' is not assignable to type 'number'/);
});
