// Continuous learning end to end with the CLI: `amalgam serve` takes feedback (acknowledged rows
// survive kill -9 of the server), `amalgam retrain` fine-tunes a challenger on it plus the original
// data from the version's lineage, promotes a better one (the running server switches by itself)
// and refuses a worse one, which stays registered with the reason.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { openRegistry } from '../../dist/lib/registry/versioning.js';
import { feedbackFile, readFeedback } from '../../dist/lib/serve/index.js';
import { cli, digitRows, post, request, serveChild, tempRegistry, trainDigits } from './fixtures.mjs';

const registry = tempRegistry('learning');
const store = openRegistry(registry);

/** Feedback for digit rows [from, from + n), in requests of `size` rows, alternating v1 and v2. */
async function sendFeedback(url, from, n, { size = 50, wrong = false, onAck } = {}) {
  const { scaled, labels } = await digitRows(from, n);
  const requests = [];
  for (let i = 0; i < n; i += size) {
    const x = scaled.slice(i, i + size);
    const y = labels.slice(i, i + size).map((l) => (wrong ? (l + 3) % 10 : l));
    requests.push(
      (i / size) % 2 === 0
        ? { path: '/v1/models/digits/feedback', body: { instances: x, labels: { digit: y } }, rows: x.length }
        : {
            path: '/v2/models/digits/feedback',
            body: {
              inputs: [{ name: 'input', shape: [x.length, 8, 8, 1], datatype: 'FP32', data: x.flat() }],
              labels: { label: y },
            },
            rows: x.length,
          },
    );
  }
  let acked = 0;
  await Promise.all(
    requests.map(async (r) => {
      const res = await post(url + r.path, r.body).catch(() => undefined);
      if (res?.status === 200) {
        acked += r.rows;
        onAck?.(acked);
      }
    }),
  );
  return acked;
}

const current = async (url) => (await request(`${url}/v1/models/digits`)).json.model_version_status[0].version;

test('feedback survives kill -9; retrain promotes a better challenger and refuses a worse one', {
  timeout: 240_000,
}, async () => {
  // A weak champion: one epoch on 150 rows, saved with the lineage of its training data.
  const { model, version: champion } = await trainDigits(registry, { epochs: 1, limit: 150 });
  model.dispose();
  const log = feedbackFile(registry, 'digits');

  // 1. Feedback while the server is killed with SIGKILL mid-stream: every acknowledged row is on disk.
  let server = await serveChild(['digits@production', '--registry', registry, '--port', '0']);
  let killedAt = 0;
  const acked = await sendFeedback(server.url, 0, 1500, {
    size: 25,
    onAck: (n) => {
      if (n >= 600 && !killedAt) {
        killedAt = n;
        server.child.kill('SIGKILL');
      }
    },
  });
  const exited = (c) => c.exitCode !== null || c.signalCode !== null;
  if (!exited(server.child)) await new Promise((r) => server.child.once('exit', r));
  const onDisk = readFeedback(log).count;
  assert.ok(acked >= 600 && acked < 1500, `the kill cut the stream (${acked} rows acknowledged)`);
  assert.ok(onDisk >= acked, `${acked} rows acknowledged, ${onDisk} on disk after kill -9`);

  // 2. A new server sees the same log; send the rest of the rows.
  server = await serveChild(['digits@production', '--registry', registry, '--port', '0']);
  try {
    assert.equal((await request(`${server.url}/v1/models/digits/feedback`)).json.count, onDisk);
    await sendFeedback(server.url, 1500, 297);
    const stats = (await request(`${server.url}/v1/models/digits/feedback`)).json;
    assert.equal(stats.count, onDisk + 297);
    assert.equal(stats.heads.digit, stats.count);

    // 3. Retrain from the served tag: a better challenger is blessed and promoted.
    const better = await cli([
      'retrain',
      'digits',
      '--from',
      'production',
      '--epochs',
      '3',
      '--registry',
      registry,
      '--json',
    ]);
    assert.equal(better.code, 0, better.stderr);
    const r1 = JSON.parse(better.stdout);
    assert.equal(r1.champion, champion);
    assert.equal(r1.promoted, true, r1.reason);
    assert.ok(r1.blessing.checks.every((c) => c.pass && c.improvement >= 0));
    assert.deepEqual(r1.blessing.checks.map((c) => `${c.slice}/${c.head}/${c.metric}`).sort(), [
      'feedback/digit/acc',
      'feedback/recon/mse',
      'original/digit/acc',
      'original/recon/mse',
    ]);
    assert.equal(store.tags('digits').production, r1.challenger);
    const manifest = store.resolve(`digits@${r1.challenger}`);
    assert.equal(manifest.metadata.parent, champion);
    assert.equal(manifest.metadata.retrain.feedback.rows, stats.count);
    assert.equal(manifest.metadata.retrain.feedback.sha256, stats.sha256);
    assert.equal(manifest.metadata.retrain.blessing.blessed, true);
    assert.deepEqual(manifest.metadata.data, { dataset: 'digits', limit: 150 });
    assert.notEqual(store.tags('digits').latest, r1.challenger, "a challenger does not move 'latest'");
    // The running server picks up the promotion by itself.
    const until = Date.now() + 20_000;
    while ((await current(server.url)) !== r1.challenger) {
      assert.ok(Date.now() < until, 'the server switched to the promoted version');
      await new Promise((r) => setTimeout(r, 50));
    }
    const served = await post(`${server.url}/v1/models/digits:predict`, { instances: [new Array(64).fill(0)] });
    assert.equal(served.headers.get('x-model-version'), r1.challenger);
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
  }

  // 4. A new feedback period with wrong labels: the challenger regresses on the original data and is refused.
  fs.renameSync(log, `${log}.round1`);
  server = await serveChild(['digits@production', '--registry', registry, '--port', '0']);
  try {
    const promoted = store.tags('digits').production;
    await sendFeedback(server.url, 0, 1200, { wrong: true });
    const worse = await cli(['retrain', 'digits', '--from', 'production', '--epochs', '3', '--registry', registry]);
    assert.equal(worse.code, 0, worse.stderr);
    assert.match(worse.stdout, /FAIL\s+original\s+digit\s+acc/);
    assert.match(worse.stdout, /not promoted: production stays at/);
    assert.equal(store.tags('digits').production, promoted, 'production did not move');
    const rejected = store.resolve('digits@challenger');
    assert.notEqual(rejected.id, promoted);
    assert.equal(rejected.metadata.retrain.blessing.blessed, false);
    assert.match(rejected.metadata.retrain.blessing.reason, /not blessed: digit on original: acc fell from/);
    assert.equal(rejected.metadata.parent, promoted);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await current(server.url), promoted, 'the server keeps the champion');
  } finally {
    server.child.kill('SIGTERM');
  }

  const bad = await cli(['retrain', 'digits', '--registry', registry, '--bogus', '1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown flag --bogus/);
  const none = await cli(['retrain', 'nope', '--registry', registry]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no model "nope" in the registry/);
});
