// Interrupting %train through the protocol: the cell ends with KeyboardInterrupt, the model is
// usable with its best weights, and no tensors leak.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KernelClient, streamText } from '../helpers/client.mjs';

let k;
before(async () => {
  k = await KernelClient.start();
});
after(async () => {
  await k?.close();
});

test('interrupt_request during %train leaves a working model and no leaked tensors', { timeout: 240_000 }, async () => {
  const setup = await k.execute(
    `import { amalgamate, data } from 'amalgam'
import * as tf from '@tensorflow/tfjs'
const digits = await data.loadDataset('digits')
const m = amalgamate({ input: [8, 8, 1], bottom: { blocks: [{ conv: { filters: 8 } }] },
  representations: { logits: { units: 10 } }, heads: { digit: { from: 'logits', task: 'classify', target: 'label' } } })
const before = tf.memory().numTensors
before > 0`,
    { timeout: 120000 },
  );
  assert.equal(setup.reply.content.status, 'ok', JSON.stringify(setup.reply.content));
  const header = await k.send('shell', 'execute_request', {
    code: '%train m --data digits --epochs 500 --batch 16',
    silent: false,
    store_history: true,
    user_expressions: {},
    allow_stdin: false,
  });
  // wait for the first progress line, then interrupt
  await k.waitFor(
    () =>
      k.iopubMessages.some(
        (msg) =>
          msg.parent_header.msg_id === header.msg_id && /epoch \d+\/500/.test(msg.content?.data?.['text/plain'] ?? ''),
      ),
    60000,
    'a progress line',
  );
  await k.request('control', 'interrupt_request', {});
  const reply = await k.waitFor(() => k.replies.get(header.msg_id), 15000, 'interrupted reply');
  assert.equal(reply.content.status, 'error');
  assert.equal(reply.content.ename, 'KeyboardInterrupt');
  const check = await k.execute(`await new Promise((r) => setTimeout(r, 300))
const z = tf.zeros([2, 8, 8, 1])
const out = m.predict(z, { outputs: ['digit'] })
const total = tf.tidy(() => out.digit.sum().dataSync()[0])
console.log(out.digit.shape.join('x'), total.toFixed(3))
tf.dispose([z, ...Object.values(out)])
console.log('leaked', tf.memory().numTensors - before)`);
  assert.equal(check.reply.content.status, 'ok', JSON.stringify(check.reply.content));
  assert.equal(streamText(check.outputs), '2x10 2.000\nleaked 0\n');
});
