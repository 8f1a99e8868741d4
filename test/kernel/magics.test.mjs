// Magics through a real kernel: namespace, env, reset, load_ext with registerMagic, SIGINT.
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

test('%who and %whos list names with their types', async () => {
  await k.execute("const count = 3\nconst label = 'x'\nfunction area(r: number) { return Math.PI * r * r }");
  assert.match(streamText((await k.execute('%who')).outputs), /area\s+count\s+label/);
  const whos = (await k.execute('%whos')).outputs.find((m) => m.header.msg_type === 'execute_result').content.data[
    'text/plain'
  ];
  assert.match(whos, /count\s+3\s+3/); // a const keeps its literal type
  assert.match(whos, /area\s+\(r: number\): number|area\s+area\(r: number\): number/);
});

test('%env sets and reads variables; unknown ones are an error naming them', async () => {
  await k.execute('%env AMALGAM_TEST_VAR=hello');
  assert.equal(resultText((await k.execute('process.env.AMALGAM_TEST_VAR')).outputs), "'hello'");
  const { reply } = await k.execute('%env NO_SUCH_VARIABLE_XYZ');
  assert.match(reply.content.evalue, /NO_SUCH_VARIABLE_XYZ/);
});

test('%load_ext loads a module that registers a magic through the same registry', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'amalgam-ext-'));
  const file = join(dir, 'shout.js');
  writeFileSync(
    file,
    "const { registerMagic } = require(process.env.AMALGAM_LIB);\nregisterMagic({ name: 'shout', kind: 'line', help: '%shout TEXT\\n\\nUpper-cases TEXT.', run: ({ line }) => line.toUpperCase() });\n",
  );
  await k.execute(`%env AMALGAM_LIB=${join(process.cwd(), 'dist', 'lib', 'index.js')}`);
  const loaded = await k.execute(`%load_ext ${file}`);
  assert.equal(loaded.reply.content.status, 'ok', loaded.reply.content.evalue);
  assert.equal(resultText((await k.execute('%shout hello there')).outputs), "'HELLO THERE'");
  assert.match(
    (await k.execute('%shout?')).outputs.find((m) => m.header.msg_type === 'execute_result').content.data['text/plain'],
    /Upper-cases TEXT/,
  );
});

test('registerMagic from a cell works like a built-in', async () => {
  await k.execute(
    "import { registerMagic } from 'amalgam'\nregisterMagic({ name: 'double', kind: 'cell', help: '%%double', run: ({ body }) => body.trim() + body.trim() })",
  );
  assert.equal(resultText((await k.execute('%%double\nab')).outputs), "'abab'");
});

test('%reset -f forgets names; without -f it refuses', async () => {
  assert.equal((await k.execute('%reset')).reply.content.ename, 'UsageError');
  await k.execute('%reset -f');
  const { reply } = await k.execute('count');
  assert.equal(reply.content.ename, 'TypeScriptError');
  assert.match(reply.content.evalue, /Cannot find name 'count'/);
  assert.equal(resultText((await k.execute('const count = 5; count')).outputs), '5');
});

test('SIGINT interrupts an awaiting cell', async () => {
  const header = await k.send('shell', 'execute_request', {
    code: 'await new Promise((r) => setTimeout(r, 60000))',
    silent: false,
    store_history: true,
    user_expressions: {},
    allow_stdin: false,
  });
  await new Promise((r) => setTimeout(r, 300));
  k.proc.kill('SIGINT');
  const reply = await k.waitFor(() => k.replies.get(header.msg_id), 10000, 'reply after SIGINT');
  assert.equal(reply.content.ename, 'KeyboardInterrupt');
  assert.equal(resultText((await k.execute('count')).outputs), '5');
});
