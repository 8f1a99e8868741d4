// Both protocols end to end over real HTTP on loopback, against a digits amalgamation trained on the
// shipped data: TF Serving REST and the Open Inference Protocol v2 (every response validated with
// ajv against the protocol's published OpenAPI document), output selection, what is computed,
// Triton's binary tensor data, raw records through the saved pipeline, dynamic batching, metrics.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { start } from '../../dist/lib/serve/index.js';
import { digitRows, metric, oipSchemas, post, request, tempRegistry, tf, trainDigits, trainIris } from './fixtures.mjs';

const registry = tempRegistry();
const oip = oipSchemas();
let server;
let model;
let version;
let iris;

before(async () => {
  ({ model, version } = await trainDigits(registry));
  iris = await trainIris(registry);
  server = await start({ models: ['digits@production', 'iris'], registry, port: 0 });
});
after(async () => {
  await server.close();
  model.dispose();
  iris.model.dispose();
});

/** The model's own outputs for these (scaled) examples, as plain arrays per output. */
function local(examples, outputs) {
  const x = tf.tensor(examples.flat(), [examples.length, 8, 8, 1]);
  const out = model.predict(x, { outputs });
  const r = Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.arraySync()]));
  tf.dispose([x, ...Object.values(out)]);
  return r;
}

const close = (a, b, what) => {
  const fa = [a].flat(Number.POSITIVE_INFINITY);
  const fb = [b].flat(Number.POSITIVE_INFINITY);
  assert.equal(fa.length, fb.length, `${what}: lengths`);
  fa.forEach((v, i) => assert.ok(Math.abs(v - fb[i]) < 1e-5, `${what}[${i}]: ${v} vs ${fb[i]}`));
};

test('TF Serving: status, labels, versions, metadata with every representation and head', async () => {
  const url = server.url;
  const status = await request(`${url}/v1/models/digits`);
  assert.equal(status.status, 200);
  assert.deepEqual(status.json.model_version_status, [
    { version, state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
  ]);
  for (const path of ['labels/production', 'labels/latest', `versions/${version.slice(0, 8)}`]) {
    const r = await request(`${url}/v1/models/digits/${path}`);
    assert.equal(r.status, 200, path);
    assert.equal(r.json.model_version_status[0].version, version, path);
  }
  const meta = await request(`${url}/v1/models/digits/metadata`);
  assert.equal(meta.status, 200);
  assert.equal(meta.json.model_spec.version, version);
  const sig = meta.json.metadata.signature_def.signature_def.serving_default;
  assert.deepEqual(
    sig.inputs.input.tensor_shape.dim.map((d) => d.size),
    ['-1', '8', '8', '1'],
  );
  assert.deepEqual(Object.keys(sig.outputs), ['latent_high', 'latent_low', 'logits', 'probs', 'digit', 'recon']);
  assert.deepEqual(
    sig.outputs.latent_low.tensor_shape.dim.map((d) => d.size),
    ['-1', '6'],
  );
  assert.deepEqual(
    sig.outputs.recon.tensor_shape.dim.map((d) => d.size),
    ['-1', '8', '8', '1'],
  );
  for (const o of Object.values(sig.outputs)) assert.equal(o.dtype, 'DT_FLOAT');
  assert.deepEqual(meta.json.amalgam.representations, ['latent_high', 'latent_low', 'logits', 'probs']);
  assert.equal(meta.json.amalgam.heads.digit.task, 'classify');
  assert.deepEqual(meta.json.amalgam.labels.sort(), ['latest', 'production']);
});

test('TF Serving :predict: row and columnar formats, outputs selects exactly the asked outputs', async () => {
  const { scaled } = await digitRows(0, 3);
  const url = `${server.url}/v1/models/digits:predict`;
  const one = await post(url, { instances: scaled, outputs: ['latent_low'] });
  assert.equal(one.status, 200);
  assert.equal(one.headers.get('x-model-version'), version);
  assert.deepEqual(Object.keys(one.json), ['predictions']);
  assert.equal(one.json.predictions.length, 3);
  close(one.json.predictions, local(scaled, ['latent_low']).latent_low, 'latent_low');

  const two = await post(url, { instances: scaled, outputs: ['latent_low', 'digit'] });
  assert.equal(two.status, 200);
  for (const row of two.json.predictions) assert.deepEqual(Object.keys(row), ['latent_low', 'digit']);
  const want = local(scaled, ['latent_low', 'digit']);
  close(
    two.json.predictions.map((r) => r.digit),
    want.digit,
    'digit',
  );
  // Outputs of different shapes in one row-format response (TF Serving's #1047).
  const mixed = await post(url, { instances: scaled.slice(0, 1), outputs: ['recon', 'probs'] });
  assert.deepEqual([mixed.json.predictions[0].recon.length, mixed.json.predictions[0].recon[0].length], [8, 8]);
  assert.equal(mixed.json.predictions[0].probs.length, 10);

  const columnar = await post(url, { inputs: scaled, outputs: ['probs'] });
  assert.deepEqual(Object.keys(columnar.json), ['outputs']);
  close(columnar.json.outputs, local(scaled, ['probs']).probs, 'columnar probs');
  const named = await post(url, { inputs: { input: scaled }, outputs: ['probs', 'logits'] });
  assert.deepEqual(Object.keys(named.json.outputs), ['probs', 'logits']);
  const nested = await post(url, { instances: [{ input: scaled[0] }], outputs: ['logits'] });
  close(nested.json.predictions[0], local([scaled[0]], ['logits']).logits[0], 'named instance');

  const all = await post(url, { instances: scaled.slice(0, 1) });
  assert.deepEqual(Object.keys(all.json.predictions[0]), model.outputNames);
  const byLabel = await post(`${server.url}/v1/models/digits/labels/production:predict`, {
    instances: scaled.slice(0, 1),
    outputs: ['latent_low'],
  });
  assert.equal(byLabel.status, 200);
});

test('OIP v2: health, server and model metadata, ready, infer; every response valid against the OpenAPI document', async () => {
  const url = server.url;
  assert.deepEqual((await request(`${url}/v2/health/live`)).json, { live: true });
  assert.equal((await request(`${url}/v2/health/ready`)).status, 200);
  const meta = await request(`${url}/v2`);
  oip.validate('metadata_server_response', meta.json);
  assert.ok(meta.json.extensions.includes('binary_tensor_data'));

  for (const path of [
    '/v2/models/digits',
    `/v2/models/digits/versions/${version.slice(0, 10)}`,
    '/v2/models/digits/versions/production',
  ]) {
    const m = await request(url + path);
    assert.equal(m.status, 200, path);
    oip.validate('metadata_model_response', m.json);
    assert.deepEqual(m.json.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 8, 8, 1] }]);
    assert.deepEqual(
      m.json.outputs.map((o) => [o.name, o.datatype, o.shape]),
      [
        ['latent_high', 'FP32', [-1, 32]],
        ['latent_low', 'FP32', [-1, 6]],
        ['logits', 'FP32', [-1, 10]],
        ['probs', 'FP32', [-1, 10]],
        ['digit', 'FP32', [-1, 10]],
        ['recon', 'FP32', [-1, 8, 8, 1]],
      ],
    );
    assert.ok(m.json.versions.includes(version));
  }
  const ready = await request(`${url}/v2/models/digits/ready`);
  assert.equal(ready.json.ready, true);

  const { scaled } = await digitRows(10, 2);
  const body = {
    id: 'req-42',
    inputs: [{ name: 'input', shape: [2, 8, 8, 1], datatype: 'FP32', data: scaled.flat() }],
    outputs: [{ name: 'latent_low' }],
  };
  oip.validate('inference_request', body);
  const r = await post(`${url}/v2/models/digits/infer`, body);
  assert.equal(r.status, 200, r.text);
  oip.validate('inference_response', r.json);
  assert.equal(r.json.id, 'req-42');
  assert.equal(r.json.model_name, 'digits');
  assert.equal(r.json.model_version, version);
  assert.deepEqual(
    r.json.outputs.map((o) => [o.name, o.datatype, o.shape]),
    [['latent_low', 'FP32', [2, 6]]],
  );
  close(r.json.outputs[0].data, local(scaled, ['latent_low']).latent_low, 'oip latent_low');

  // Nested data, other datatypes (FP64; INT32 pixels 0..16 would be raw, so scaled ones stay FP64),
  // a flat per-example shape, and several outputs in the asked order.
  const nested = await post(`${url}/v2/models/digits/versions/production/infer`, {
    inputs: [{ name: 'input', shape: [2, 64], datatype: 'FP64', data: scaled }],
    outputs: [{ name: 'digit' }, { name: 'probs' }],
  });
  assert.equal(nested.status, 200, nested.text);
  oip.validate('inference_response', nested.json);
  assert.deepEqual(
    nested.json.outputs.map((o) => o.name),
    ['digit', 'probs'],
  );
  assert.equal(nested.json.id, undefined);
  const zeros = await post(`${url}/v2/models/digits/infer`, {
    inputs: [{ name: 'input', shape: [1, 8, 8, 1], datatype: 'INT32', data: new Array(64).fill(0) }],
  });
  assert.equal(zeros.status, 200, zeros.text);
  oip.validate('inference_response', zeros.json);
  assert.deepEqual(
    zeros.json.outputs.map((o) => o.name),
    model.outputNames,
  );
});

test('OIP binary tensor data: binary input, binary_data_output, Inference-Header-Content-Length', async () => {
  const { scaled } = await digitRows(20, 3);
  const bytes = Buffer.from(new Float32Array(scaled.flat()).buffer);
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        { name: 'input', shape: [3, 8, 8, 1], datatype: 'FP32', parameters: { binary_data_size: bytes.length } },
      ],
      outputs: [{ name: 'latent_low', parameters: { binary_data: true } }, { name: 'digit' }],
    }),
  );
  const r = await request(`${server.url}/v2/models/digits/infer`, {
    method: 'POST',
    raw: Buffer.concat([header, bytes]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
  });
  assert.equal(r.status, 200, r.text);
  const n = Number(r.headers.get('inference-header-content-length'));
  const json = JSON.parse(r.bytes.subarray(0, n).toString('utf8'));
  // A binary output carries parameters.binary_data_size instead of data (the extension's one
  // departure from response_output, which requires data); everything else validates as is.
  const [bin, plain] = json.outputs;
  oip.validate('inference_response', { ...json, outputs: [{ ...bin, data: [] }, plain] });
  assert.equal(bin.name, 'latent_low');
  assert.equal(bin.parameters.binary_data_size, 3 * 6 * 4);
  assert.equal(r.bytes.length, n + 3 * 6 * 4);
  const values = new Float32Array(r.bytes.buffer.slice(r.bytes.byteOffset + n, r.bytes.byteOffset + n + 72));
  close(Array.from(values), local(scaled, ['latent_low']).latent_low, 'binary latent_low');
  close(plain.data, local(scaled, ['digit']).digit, 'json digit');

  const allBinary = await request(`${server.url}/v2/models/digits/infer`, {
    method: 'POST',
    raw: Buffer.concat([
      Buffer.from(
        JSON.stringify({
          parameters: { binary_data_output: true },
          inputs: [
            { name: 'input', shape: [3, 8, 8, 1], datatype: 'FP32', parameters: { binary_data_size: bytes.length } },
          ],
          outputs: [{ name: 'probs' }],
        }),
      ),
      bytes,
    ]),
    headers: {
      'inference-header-content-length': String(
        Buffer.byteLength(
          JSON.stringify({
            parameters: { binary_data_output: true },
            inputs: [
              { name: 'input', shape: [3, 8, 8, 1], datatype: 'FP32', parameters: { binary_data_size: bytes.length } },
            ],
            outputs: [{ name: 'probs' }],
          }),
        ),
      ),
    },
  });
  assert.equal(allBinary.status, 200, allBinary.text);
  assert.equal(allBinary.headers.get('content-type'), 'application/octet-stream');
});

test('only what is asked is computed: latent_low runs the bottom and representations, not the heads', async () => {
  const served = server.holder('digits').defaultVersion.model;
  const calls = { logits: 0, digit: 0, recon: 0, latent_low: 0 };
  const spies = [
    ['logits', served.model.getLayer('logits')],
    ['digit', served.layersOf('digit').at(-1)],
    ['recon', served.layersOf('recon').at(-1)],
    ['latent_low', served.model.getLayer('latent_low')],
  ];
  const originals = spies.map(([, layer]) => layer.call);
  for (const [name, layer] of spies) {
    const call = layer.call.bind(layer);
    layer.call = (...a) => {
      calls[name]++;
      return call(...a);
    };
  }
  try {
    const { scaled } = await digitRows(30, 2);
    const r = await post(`${server.url}/v1/models/digits:predict`, { instances: scaled, outputs: ['latent_low'] });
    assert.equal(r.status, 200);
    assert.deepEqual(calls, { logits: 0, digit: 0, recon: 0, latent_low: 1 });
    const v2 = await post(`${server.url}/v2/models/digits/infer`, {
      inputs: [{ name: 'input', shape: [1, 64], datatype: 'FP32', data: scaled[0] }],
      outputs: [{ name: 'recon' }],
    });
    assert.equal(v2.status, 200);
    assert.deepEqual(calls, { logits: 0, digit: 0, recon: 1, latent_low: 2 }, 'recon needs latent_low, not logits');
  } finally {
    spies.forEach(([, layer], i) => (layer.call = originals[i]));
  }
});

test('raw records pass through the saved pipeline: digit images (0..16) and iris rows', async () => {
  const { raw, scaled } = await digitRows(40, 2);
  const want = local(scaled, ['digit']).digit;
  const v1 = await post(`${server.url}/v1/models/digits:predict`, {
    instances: raw.map((image) => ({ image })),
    outputs: ['digit'],
  });
  assert.equal(v1.status, 200, v1.text);
  close(v1.json.predictions, want, 'v1 raw images');
  const v2 = await post(`${server.url}/v2/models/digits/infer`, {
    inputs: [{ name: 'image', shape: [2, 8, 8, 1], datatype: 'UINT8', data: raw.flat() }],
    outputs: [{ name: 'digit' }],
  });
  assert.equal(v2.status, 200, v2.text);
  oip.validate('inference_response', v2.json);
  close(v2.json.outputs[0].data, want, 'v2 raw images');

  // Iris: the rows as in the notebook (no species), in any key order.
  const rows = iris.table.objects().slice(0, 5);
  const x = tf.tensor2d(
    iris.pipe
      .apply(iris.table)
      .objects()
      .slice(0, 5)
      .map((r) => [r.sepal_length, r.sepal_width, r.petal_length, r.petal_width]),
  );
  const out = iris.model.predict(x, { outputs: ['species'] });
  const expected = out.species.arraySync();
  tf.dispose([x, out.species]);
  const shuffled = rows.map(({ species: _s, ...r }) => ({
    petal_width: r.petal_width,
    sepal_length: r.sepal_length,
    petal_length: r.petal_length,
    sepal_width: r.sepal_width,
  }));
  const byRows = await post(`${server.url}/v1/models/iris:predict`, { instances: shuffled, outputs: ['species'] });
  assert.equal(byRows.status, 200, byRows.text);
  close(byRows.json.predictions, expected, 'iris rows');
  const columns = Object.fromEntries(
    ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'].map((c) => [c, rows.map((r) => r[c])]),
  );
  const byColumns = await post(`${server.url}/v1/models/iris:predict`, { inputs: columns, outputs: ['species'] });
  close(byColumns.json.outputs, expected, 'iris columns');
  const oipColumns = await post(`${server.url}/v2/models/iris/infer`, {
    inputs: Object.entries(columns).map(([name, data]) => ({ name, shape: [5], datatype: 'FP64', data })),
    outputs: [{ name: 'species' }],
  });
  assert.equal(oipColumns.status, 200, oipColumns.text);
  oip.validate('inference_response', oipColumns.json);
  const flat = oipColumns.json.outputs[0].data;
  flat.forEach((v, i) => assert.ok(Math.abs(v - expected.flat()[i]) < 1e-4));
  const missing = await post(`${server.url}/v1/models/iris:predict`, { instances: [{ sepal_length: 5 }] });
  assert.equal(missing.status, 400);
  assert.match(missing.json.error, /lack column "sepal_width"/);
});

test('dynamic batching merges concurrent requests and splits each one its own rows back', async () => {
  const before = await request(`${server.url}/metrics`);
  const count = (t) => metric(t, 'amalgam_batch_size_count') ?? 0;
  const sum = (t) => metric(t, 'amalgam_batch_size_sum') ?? 0;
  const { scaled } = await digitRows(100, 32);
  const want = local(scaled, ['latent_low']).latent_low;
  const results = await Promise.all(
    scaled.map((x) => post(`${server.url}/v1/models/digits:predict`, { instances: [x], outputs: ['latent_low'] })),
  );
  results.forEach((r, i) => close(r.json.predictions[0], want[i], `request ${i}`));
  const afterText = (await request(`${server.url}/metrics`)).text;
  const batches = count(afterText) - count(before.text);
  assert.equal(sum(afterText) - sum(before.text), 32, 'every row went through a batch');
  assert.ok(batches < 32, `32 concurrent requests ran in ${batches} predict calls`);
});

test('/metrics: requests by model, version, route and status; latency, batch size, queue delay, tfjs memory', async () => {
  await post(`${server.url}/v1/models/digits:predict`, { instances: [[1]] });
  const m = await request(`${server.url}/metrics`);
  assert.equal(m.status, 200);
  assert.match(m.headers.get('content-type'), /text\/plain/);
  assert.ok(
    metric(m.text, 'amalgam_requests_total', {
      model: 'digits',
      route: 'v1_predict',
      status: '200',
      version: version.slice(0, 12),
    }) > 0,
  );
  assert.ok(metric(m.text, 'amalgam_requests_total', { model: 'digits', route: 'v1_predict', status: '400' }) >= 1);
  assert.ok(metric(m.text, 'amalgam_requests_total', { model: 'digits', route: 'v2_infer', status: '200' }) > 0);
  for (const name of [
    'amalgam_request_duration_seconds_count',
    'amalgam_queue_delay_seconds_count',
    'amalgam_batch_size_count',
    'amalgam_tf_tensors',
    'process_resident_memory_bytes',
  ])
    assert.ok(metric(m.text, name) !== undefined, name);
});
