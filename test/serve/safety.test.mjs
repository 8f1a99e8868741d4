// Bad input and safety: every kind of malformed request gets a 4xx {"error": ...} naming the field
// or name (404 for unknown models, versions and labels, 413 for oversized bodies), bearer-token
// auth on every route but health, and a bounded fuzz run of 10,000 malformed requests against an
// `amalgam serve` child that must answer no 5xx, stay up, and keep its memory flat.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import seedrandom from 'seedrandom';
import { start } from '../../dist/lib/serve/index.js';
import {
  digitRows,
  metric,
  oipSchemas,
  post,
  request,
  serveChild,
  tempRegistry,
  tf,
  trainDigits,
} from './fixtures.mjs';

const registry = tempRegistry('safety');
const oip = oipSchemas();
let server;
let model;
let image;

before(async () => {
  ({ model } = await trainDigits(registry, { epochs: 1 }));
  image = (await digitRows(0, 1)).scaled[0];
  server = await start({ model: 'digits@production', registry, port: 0, bodyLimit: 64 * 1024 });
});
after(async () => {
  await server.close();
  model.dispose();
});

const infer = (inputs, extra = {}) => ({ inputs, ...extra });
const tensor = (over = {}) => ({ name: 'input', shape: [1, 8, 8, 1], datatype: 'FP32', data: image, ...over });

test('bad requests get a 4xx {"error"} that names the field or the name, never a 5xx', async () => {
  const v1 = '/v1/models/digits:predict';
  const v2 = '/v2/models/digits/infer';
  const cases = [
    [v1, { raw: '{"instances": [1, 2' }, 400, /malformed JSON/],
    [v1, { raw: '' }, 400, /no body/],
    [v1, { raw: '[1, 2]' }, 400, /must be a JSON object, got a list/],
    [v1, { body: {} }, 400, /needs instances \(row format\) or inputs \(columnar\)/],
    [v1, { body: { instances: [image], inputs: [image] } }, 400, /either instances .* or inputs/],
    [v1, { body: { instances: [] } }, 400, /instances is empty/],
    [
      v1,
      { body: { instances: [[1, 2, 3]] } },
      400,
      /instances\[0\] has shape \[3\]; the model's input "input" is \[8, 8, 1\]/,
    ],
    [v1, { body: { instances: [[[1, 2], [3]]] } }, 400, /instances\[0\] is ragged/],
    [
      v1,
      { body: { instances: [image.map((v, i) => (i === 5 ? 'x' : v))] } },
      400,
      /instances\[0\]\[5\] holds "x", not a number/,
    ],
    [
      v1,
      { body: { instances: [image], outputs: ['latent_lo'] } },
      400,
      /no output "latent_lo" \(outputs: latent_high, latent_low/,
    ],
    [v1, { body: { instances: [image], outputs: 'probs' } }, 400, /outputs must be a list of output names/],
    [v1, { body: { instances: [image], outputs: [] } }, 400, /outputs is empty/],
    [v1, { body: { instances: [image], outputs: ['probs', 'probs'] } }, 400, /names "probs" twice/],
    [v1, { body: { instances: [image], signature_name: 'other' } }, 400, /signature_name/],
    [v1, { body: { instances: [image.map(() => 1e39)] } }, 400, /beyond float32/],
    [
      v1,
      { raw: `{"instances": [[${new Array(64).fill('1e999').join(',')}]]}` },
      400,
      /instances\[0\]\[0\] is Infinity, beyond float32/,
    ],
    [
      '/v1/models/digits:classify',
      { body: { instances: [image] } },
      400,
      /:classify is not supported here; use :predict/,
    ],
    [
      '/v1/models/nope:predict',
      { body: { instances: [image] } },
      404,
      /no model "nope" is served here \(models: digits\)/,
    ],
    [
      '/v1/models/digits/versions/abcd1234:predict',
      { body: { instances: [image] } },
      404,
      /digits has no version "abcd1234"/,
    ],
    ['/v1/models/digits/versions/latest:predict', { body: { instances: [image] } }, 404, /no version "latest"/],
    [
      '/v1/models/digits/labels/nope:predict',
      { body: { instances: [image] } },
      404,
      /no label "nope" \(labels: latest, production\)/,
    ],
    ['/v1/models/digits/labels/nope', { method: 'GET' }, 404, /no label "nope"/],
    ['/v1/models/nope', { method: 'GET' }, 404, /no model "nope"/],
    ['/v1/nothing', { method: 'GET' }, 404, /no route GET \/v1\/nothing/],
    [
      v1,
      { raw: JSON.stringify({ instances: new Array(2000).fill(image) }) },
      413,
      /larger than the limit of 65536 bytes/,
    ],
    [v2, { raw: '{"inputs": [' }, 400, /malformed JSON/],
    [v2, { body: { inputs: 'x' } }, 400, /inputs must be a list of tensors/],
    [v2, { body: infer([]) }, 400, /inputs is empty/],
    [
      v2,
      { body: infer([tensor({ data: image.slice(1) })]) },
      400,
      /inputs\[0\]\.data has 63 elements; shape \[1, 8, 8, 1\] needs 64/,
    ],
    [
      v2,
      { body: infer([tensor({ datatype: 'FP128' })]) },
      400,
      /inputs\[0\]\.datatype: unknown datatype "FP128" \(one of BOOL/,
    ],
    [
      v2,
      { body: infer([tensor({ datatype: 'INT32' })]) },
      400,
      /inputs\[0\]\.data\[\d+\] is [\d.]+: not a whole number in INT32's range/,
    ],
    [
      v2,
      { body: infer([tensor({ shape: [1, 8, 8], data: image })]) },
      400,
      /inputs\[0\]\.shape is \[1, 8, 8\]; the model's input "input" is \[batch, 8, 8, 1\]/,
    ],
    [
      v2,
      { body: infer([tensor({ shape: [1, -8, 8, 1] })]) },
      400,
      /inputs\[0\]\.shape: shape must be a list of non-negative integers/,
    ],
    [v2, { body: infer([tensor({ data: undefined })]) }, 400, /inputs\[0\]\.data is missing/],
    [v2, { body: infer([tensor(), tensor()]) }, 400, /input "input" is given twice/],
    [v2, { body: infer([tensor()], { outputs: [{ name: 'nope' }] }) }, 400, /no output "nope"/],
    [v2, { body: infer([tensor()], { outputs: ['probs'] }) }, 400, /outputs\[0\] must be \{"name": OUTPUT\}/],
    [v2, { body: infer([tensor()], { id: 42 }) }, 400, /id must be a string/],
    [
      v2,
      { body: infer([tensor({ data: undefined, parameters: { binary_data_size: 256 } })]) },
      400,
      /binary_data_size is set but the request has no Inference-Header-Content-Length/,
    ],
    [
      v2,
      { raw: '{"inputs": []}', headers: { 'inference-header-content-length': '999' } },
      400,
      /Inference-Header-Content-Length is "999"/,
    ],
    ['/v2/models/nope/infer', { body: infer([tensor()]) }, 404, /no model "nope"/],
    ['/v2/models/digits/versions/ffff0000/infer', { body: infer([tensor()]) }, 404, /no version "ffff0000"/],
    ['/v2/models/nope', { method: 'GET' }, 404, /no model "nope"/],
    [
      '/v1/models/digits/feedback',
      { body: { instances: [image], labels: { digit: [10] } } },
      400,
      /labels\.digit\[0\] is 10: head "digit" takes a class index from 0 to 9/,
    ],
    [
      '/v1/models/digits/feedback',
      { body: { instances: [image], labels: { digits: [1] } } },
      400,
      /labels\.digits: no head "digits"/,
    ],
    [
      '/v1/models/digits/feedback',
      { body: { instances: [image], labels: { digit: [1, 2] } } },
      400,
      /one label per row \(1\), got 2 labels/,
    ],
    [
      '/v1/models/digits/feedback',
      { body: { instances: [image], labels: { recon: [1] } } },
      400,
      /head "recon" \(reconstruct\) learns without labels/,
    ],
    ['/v1/models/digits/feedback', { body: { instances: [image] } }, 400, /labels must be an object/],
    [
      '/v2/models/digits/feedback',
      { body: { inputs: [tensor()], labels: { label: ['three'] } } },
      400,
      /labels\.label\[0\] is "three"/,
    ],
  ];
  for (const [path, init, status, message] of cases) {
    const r = await request(server.url + path, { method: init.method ?? 'POST', ...init });
    const what = `${init.method ?? 'POST'} ${path} ${JSON.stringify(init.body ?? init.raw ?? '').slice(0, 80)}`;
    assert.equal(r.status, status, `${what}: ${r.text}`);
    assert.deepEqual(Object.keys(r.json), ['error'], what);
    assert.match(r.json.error, message, what);
    if (path.startsWith('/v2/')) oip.validate('inference_error_response', r.json);
  }
  const still = await post(server.url + v1, { instances: [image], outputs: ['probs'] });
  assert.equal(still.status, 200, 'the server keeps serving after all of them');
  const feedback = await request(`${server.url}/v1/models/digits/feedback`);
  assert.equal(feedback.json.count, 0, 'no refused feedback was appended');
});

test('bearer-token auth on every route but health, compared in constant time', async () => {
  const secured = await start({ model: 'digits', registry, port: 0, token: 's3cret-token' });
  try {
    const url = secured.url;
    assert.equal((await request(`${url}/v2/health/live`)).status, 200);
    assert.equal((await request(`${url}/v2/health/ready`)).status, 200);
    for (const path of [
      '/v2',
      '/v2/models/digits',
      '/v1/models/digits',
      '/v1/models/digits/metadata',
      '/metrics',
      '/v1/models/digits/feedback',
    ]) {
      const none = await request(url + path);
      assert.equal(none.status, 401, path);
      assert.match(none.json.error, /unauthorized/);
      const wrong = await request(url + path, { headers: { authorization: 'Bearer s3cret-tokem' } });
      assert.equal(wrong.status, 401, `${path} with a wrong token`);
      const right = await request(url + path, { headers: { authorization: 'Bearer s3cret-token' } });
      assert.equal(right.status, 200, `${path} with the token`);
    }
    const predict = await post(`${url}/v1/models/digits:predict`, { instances: [image] });
    assert.equal(predict.status, 401);
    const ok = await post(
      `${url}/v1/models/digits:predict`,
      { instances: [image] },
      { authorization: 'Bearer s3cret-token' },
    );
    assert.equal(ok.status, 200);
  } finally {
    await secured.close();
  }
  process.env.AMALGAM_SERVE_TOKEN = 'from-env';
  const fromEnv = await start({ model: 'digits', registry, port: 0 });
  delete process.env.AMALGAM_SERVE_TOKEN;
  try {
    assert.equal((await request(`${fromEnv.url}/v2`)).status, 401);
    assert.equal((await request(`${fromEnv.url}/v2`, { headers: { authorization: 'Bearer from-env' } })).status, 200);
  } finally {
    await fromEnv.close();
  }
});

test('a server that cannot start frees what it loaded (unknown model, missing canary tag, port taken)', async () => {
  const before = tf.memory().numTensors;
  await assert.rejects(start({ models: ['digits', 'nope'], registry, port: 0 }), /no model "nope" in the registry/);
  await assert.rejects(start({ model: 'digits', registry, port: 0, canary: 'gone=10' }), /has no tag "gone"/);
  await assert.rejects(start({ model: 'digits', registry, port: Number(new URL(server.url).port) }), /EADDRINUSE/);
  await assert.rejects(start({ model: 'digits', registry, canary: 'x' }), /--canary expects TAG=PERCENT/);
  assert.equal(tf.memory().numTensors, before);
});

/** Malformed variants of valid requests: truncated, corrupted, wrong types, shapes, datatypes, paths, headers. */
function* malformed(n, rng) {
  const pick = (xs) => xs[Math.floor(rng() * xs.length)];
  const junk = () =>
    pick([
      null,
      true,
      -1,
      0,
      1.5,
      Number.MAX_VALUE,
      'x',
      '',
      [],
      {},
      [[]],
      [1, 'a'],
      { name: 'input' },
      new Array(65).fill(0),
      [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]],
    ]);
  const paths = [
    '/v1/models/digits:predict',
    '/v1/models/digits/labels/production:predict',
    '/v2/models/digits/infer',
    '/v2/models/digits/versions/production/infer',
    '/v1/models/digits/feedback',
    '/v2/models/digits/feedback',
  ];
  const badPaths = [
    '/v1/models/x:predict',
    '/v1/models/digits/versions/zz:predict',
    '/v1/models/digits:',
    '/v2/models/digits/versions//infer',
    '/v2/models/%zz/infer',
    '/v1/models/digits/labels/../x',
    '/v2/models/digits/infer?x=%',
  ];
  for (let i = 0; i < n; i++) {
    const path = rng() < 0.1 ? pick(badPaths) : pick(paths);
    const v2 = path.startsWith('/v2');
    const body = v2
      ? {
          id: 'f',
          inputs: [{ name: 'input', shape: [1, 8, 8, 1], datatype: 'FP32', data: new Array(64).fill(0.5) }],
          outputs: [{ name: 'probs' }],
          labels: { digit: [3] },
        }
      : { instances: [new Array(64).fill(0.5)], outputs: ['probs'], labels: { digit: [3] } };
    const headers = { 'content-type': pick(['application/json', 'text/plain', 'application/octet-stream', 'x/y']) };
    const kind = Math.floor(rng() * 9);
    let raw;
    if (kind === 0) raw = JSON.stringify(body).slice(0, Math.floor(rng() * 200));
    else if (kind === 1) {
      const s = Buffer.from(JSON.stringify(body));
      for (let k = 0; k < 3; k++) s[Math.floor(rng() * s.length)] = Math.floor(rng() * 256);
      raw = s;
    } else if (kind === 2) {
      const keys = v2
        ? ['id', 'inputs', 'outputs', 'parameters', 'labels']
        : ['instances', 'inputs', 'outputs', 'labels', 'signature_name'];
      raw = JSON.stringify({ ...body, [pick(keys)]: junk() });
    } else if (kind === 3 && v2) {
      raw = JSON.stringify({
        ...body,
        inputs: [{ ...body.inputs[0], [pick(['name', 'shape', 'datatype', 'data', 'parameters'])]: junk() }],
      });
    } else if (kind === 3) {
      raw = JSON.stringify({ ...body, instances: [junk()] });
    } else if (kind === 4) {
      raw = JSON.stringify({ ...body, outputs: v2 ? [{ name: junk() }, junk()] : [junk(), 'probs'] });
    } else if (kind === 5) {
      raw = JSON.stringify(body);
      headers['inference-header-content-length'] = String(pick([-1, 0, 5, raw.length, raw.length + 10, 'abc', 1e20]));
    } else if (kind === 6) {
      raw = JSON.stringify({ ...body, labels: { [pick(['digit', 'label', 'recon', 'x'])]: junk() } });
    } else if (kind === 7) {
      raw = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    } else {
      raw = JSON.stringify(junk());
    }
    yield { path, raw, headers };
  }
}

test('fuzz: 10,000 malformed requests to an amalgam serve child: no 5xx, still up, memory flat', {
  timeout: 240_000,
}, async () => {
  const child = await serveChild(['digits@production', '--registry', registry, '--port', '0']);
  try {
    const rng = seedrandom('fuzz');
    const statuses = new Map();
    const fire = async (requests) => {
      const queue = [...requests];
      const worker = async () => {
        for (let r = queue.shift(); r; r = queue.shift()) {
          const res = await fetch(child.url + r.path, { method: 'POST', body: r.raw, headers: r.headers });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: 32 }, worker));
    };
    const memory = async () => {
      const t = (await request(`${child.url}/metrics`)).text;
      return { rss: metric(t, 'process_resident_memory_bytes'), tensors: metric(t, 'amalgam_tf_tensors') };
    };
    await fire([...malformed(1000, rng)]); // warm-up: JIT, pools, buffers
    const before = await memory();
    await fire([...malformed(9000, rng)]);
    const afterRun = await memory();
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    assert.equal(total, 10_000);
    const fives = [...statuses].filter(([s]) => s >= 500);
    assert.deepEqual(fives, [], `answers ≥ 500: ${JSON.stringify([...statuses])}`);
    assert.ok((statuses.get(400) ?? 0) > 5000, `mostly 400s: ${JSON.stringify([...statuses])}`);
    assert.equal((await request(`${child.url}/v2/health/ready`)).status, 200, 'still up');
    assert.equal(afterRun.tensors, before.tensors, 'no tensor leaked');
    const growth = (afterRun.rss - before.rss) / 2 ** 20;
    assert.ok(growth < 40, `RSS grew ${growth.toFixed(1)} MiB over 9,000 requests`);
  } finally {
    child.child.kill('SIGTERM');
  }
});
