// Shared fixtures for the serving tests: small amalgamations trained on the shipped data (digits 8×8
// images, iris rows) and saved with their pipelines and data lineage, servers on loopback (in this
// process or as an `amalgam serve` child), and the OIP OpenAPI document for ajv.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import tf from '@tensorflow/tfjs';
import Ajv from 'ajv';
import YAML from 'yaml';
import { selectBackend } from '../../dist/lib/backend/index.js';
import { loadDataset } from '../../dist/lib/data/datasets.js';
import { pipeline } from '../../dist/lib/data/transforms/pipeline.js';
import { amalgamate } from '../../dist/lib/model/index.js';
import { seed } from '../../dist/lib/random.js';
import { save } from '../../dist/lib/registry/versioning.js';
import { fit } from '../../dist/lib/train/fit.js';

export { tf };
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'bin', 'amalgam.js');
export const ready = selectBackend();

export const tempRegistry = (label = 'serve') => fs.mkdtempSync(path.join(os.tmpdir(), `amalgam-${label}-`));

export const digitsConfig = {
  input: [8, 8, 1],
  bottom: { blocks: [{ conv: { filters: 8 } }, { pool: {} }] },
  representations: { latent_high: { units: 32 }, latent_low: { units: 6 }, logits: { units: 10 } },
  heads: {
    digit: { from: 'logits', task: 'classify', target: 'label' },
    recon: { from: 'latent_low', task: 'reconstruct', weight: 0.2 },
  },
};

let digits;
export async function digitsData() {
  await ready;
  digits ??= await loadDataset('digits');
  return digits;
}

/** Raw 8×8 digit images (0..16) and labels of rows [from, from + n). */
export async function digitRows(from, n) {
  const ds = await digitsData();
  const raw = [];
  const scaled = [];
  const labels = [];
  const label = ds.table.array('label');
  for (let i = from; i < from + n; i++) {
    const px = Array.from(ds.images.data.subarray(i * 64, (i + 1) * 64));
    raw.push(px);
    scaled.push(px.map((v) => v / 16));
    labels.push(label[i]);
  }
  return { raw, scaled, labels };
}

/**
 * A digits amalgamation (classify + reconstruct heads) with its fitted image pipeline, trained
 * and saved as `name` tagged `tag`, with metadata.data so its lineage names the training data.
 */
export async function trainDigits(registry, { name = 'digits', tag = 'production', epochs = 2, limit, s = 1 } = {}) {
  const ds = await digitsData();
  seed(s);
  const model = amalgamate(digitsConfig);
  model.pipeline = pipeline([{ type: 'images', scale: 'max' }]).fit(ds);
  await fit(model, ds, { epochs, limit, live: false });
  const saved = save(model, name, { registry, tag, data: { dataset: 'digits', ...(limit ? { limit } : {}) } });
  return { model, version: saved.version };
}

/** An iris amalgamation on raw rows: standardised measurements, species encoded by the pipeline. */
export async function trainIris(registry, { name = 'iris' } = {}) {
  await ready;
  const ds = await loadDataset('iris');
  seed(2);
  const pipe = pipeline([
    { type: 'standardize', columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] },
    { type: 'label', column: 'species' },
  ]).fit(ds.table);
  const model = amalgamate({
    input: [4],
    bottom: { blocks: [{ dense: { units: 16, activation: 'relu' } }] },
    representations: { latent_high: { units: 16 }, latent_low: { units: 3 }, logits: { units: 3 } },
    heads: { species: { from: 'logits', task: 'classify', target: 'species' } },
  });
  model.pipeline = pipe;
  await fit(model, pipe.apply(ds.table), { epochs: 20, live: false });
  const saved = save(model, name, { registry, tag: 'production', data: { dataset: 'iris' } });
  return { model, version: saved.version, table: ds.table, pipe };
}

/** fetch, with the body parsed as JSON when it is JSON. */
export async function request(url, { method = 'GET', body, headers = {}, raw } = {}) {
  const init = { method, headers: { ...headers } };
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] ??= 'application/json';
  }
  if (init.body !== undefined && method === 'GET') init.method = 'POST';
  const res = await fetch(url, init);
  const bytes = Buffer.from(await res.arrayBuffer());
  let json;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) json = JSON.parse(bytes.toString('utf8'));
  return { status: res.status, headers: res.headers, json, bytes, text: bytes.toString('utf8') };
}

export const post = (url, body, headers) => request(url, { method: 'POST', body, headers });

/** ajv validators for the OIP OpenAPI document's schemas (the vendored open_inference_rest.yaml). */
export function oipSchemas() {
  const doc = YAML.parse(fs.readFileSync(path.join(ROOT, 'test', 'serve', 'open_inference_rest.yaml'), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema(doc, 'oip');
  const get = (name) => {
    const v = ajv.getSchema(`oip#/components/schemas/${name}`);
    if (!v) throw new Error(`no schema ${name} in the OIP document`);
    return v;
  };
  const validate = (name, value) => {
    const v = get(name);
    if (!v(value)) throw new Error(`${name}: ${ajv.errorsText(v.errors)} in ${JSON.stringify(value).slice(0, 300)}`);
    return true;
  };
  return { doc, validate, get };
}

/** `amalgam serve ARGS` as a child process; resolves once it prints its URL. */
export function serveChild(args, { env = {}, cwd = ROOT } = {}) {
  // One wasm thread: XNNPACK's pool threads spin between small predicts, and the test machine has few cores.
  const child = spawn(process.execPath, [CLI, 'serve', ...args], {
    cwd,
    env: { ...process.env, AMALGAM_THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`amalgam serve printed no URL in 60 s:\n${out}\n${err}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/[\d.:]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], output: () => out, errors: () => err });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`amalgam serve exited with ${code}:\n${out}\n${err}`));
    });
  });
}

/** Runs `amalgam ARGS` to completion. */
export function cli(args, { env = {}, cwd = ROOT } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, AMALGAM_THREADS: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The value of one Prometheus sample (first line matching name and labels). */
export function metric(text, name, labels = {}) {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([\w:]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const ls = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => ls[k] === v)) return Number(m[3]);
  }
  return undefined;
}
