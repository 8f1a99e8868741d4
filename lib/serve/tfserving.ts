// TensorFlow Serving's REST API under /v1/models/NAME[/versions/V|/labels/L]: model status,
// /metadata, :predict (row format `instances` → `predictions`, columnar `inputs` → `outputs`) with
// an `outputs` list selecting representations and heads (TF Serving's REST has no output filter),
// and the feedback log. Registry tags are the labels.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseBody } from './body';
import { badRequest, notFound } from './errors';
import { checkLabels } from './feedback';
import type { Lease, LoadedVersion, ModelHolder } from './holder';
import { checkOutputs, fromColumnar, fromInstances, INPUT_NAME, type RequestInput, toBatch, typeOf } from './inputs';
import type { ServeContext } from './context';
import { nest, type OutputTensor } from './tensors';

const PATH =
  /^\/v1\/models\/([^/:?]+)(?:\/versions\/([^/:?]+)|\/labels\/([^/:?]+))?(?::([A-Za-z]*)|\/(metadata|feedback))?\/?$/;

interface Target {
  holder: ModelHolder;
  selector: { version?: string; label?: string };
  verb?: string;
  resource?: string;
}

function target(server: ServeContext, request: FastifyRequest): Target {
  const url = request.url.split('?')[0];
  const m = PATH.exec(url);
  if (!m)
    throw notFound(
      `no route ${request.method} ${url} (TF Serving: /v1/models/NAME[/versions/V|/labels/L][:predict|/metadata])`,
    );
  const [, name, version, label, verb, resource] = m.map((p) => (p === undefined ? p : decodeURIComponent(p)));
  request.served = { route: 'v1' };
  const holder = server.holder(name);
  request.served.model = name; // only served names become metric labels
  return { holder, selector: { version, label }, verb, resource };
}

/** Resolves a version selector without loading anything (status answers for any servable version). */
function resolveId(t: Target): string {
  if (t.selector.version !== undefined) return t.holder.versionId(t.selector.version);
  if (t.selector.label !== undefined) {
    const id = t.holder.store.tags(t.holder.name)[t.selector.label];
    if (!id)
      throw notFound(
        `model ${t.holder.name} has no label "${t.selector.label}" (labels: ${Object.keys(t.holder.store.tags(t.holder.name)).join(', ') || 'none'})`,
      );
    return id;
  }
  return t.holder.defaultVersion.id;
}

const ok = { error_code: 'OK', error_message: '' };

function status(t: Target) {
  if (t.selector.version !== undefined || t.selector.label !== undefined)
    return { model_version_status: [{ version: resolveId(t), state: 'AVAILABLE', status: ok }] };
  return {
    model_version_status: t.holder.versions.map((v) => ({
      version: v.id,
      state: v.roles.size ? 'AVAILABLE' : 'UNLOADING',
      status: ok,
    })),
  };
}

const tensorInfo = (name: string, shape: readonly (number | null)[]) => ({
  dtype: 'DT_FLOAT',
  tensor_shape: { dim: shape.map((d) => ({ size: String(d ?? -1), name: '' })), unknown_rank: false },
  name,
});

/** GetModelMetadata's JSON: the serving signature with every representation and head, plus amalgam's own details. */
export function modelDetails(v: LoadedVersion, holder: ModelHolder) {
  const model = v.model;
  const tags = holder.store.tags(holder.name);
  return {
    representations: model.representationNames,
    heads: Object.fromEntries(
      model.headNames.map((h) => {
        const head = model.head(h);
        return [h, { task: head.task, from: head.from, target: head.target, served: model.outputNames.includes(h) }];
      }),
    ),
    labels: Object.keys(tags).filter((t) => tags[t] === v.id),
    parent: v.manifest.metadata.parent,
    metrics: v.manifest.metadata.metrics,
    pipeline: model.pipeline !== undefined,
    created: v.manifest.metadata.time,
    /** Why the last tag move could not be followed (the previous version keeps serving). */
    reloadError: holder.lastError,
  };
}

function metadata(v: LoadedVersion, holder: ModelHolder) {
  const model = v.model;
  return {
    model_spec: { name: holder.name, signature_name: '', version: v.id },
    metadata: {
      signature_def: {
        signature_def: {
          serving_default: {
            inputs: { [INPUT_NAME]: tensorInfo(`${INPUT_NAME}:0`, [-1, ...model.config.input]) },
            outputs: Object.fromEntries(
              model.outputNames.map((o) => [o, tensorInfo(`${o}:0`, [-1, ...model.outputShape(o).slice(1)])]),
            ),
            method_name: 'tensorflow/serving/predict',
          },
        },
      },
    },
    amalgam: modelDetails(v, holder),
  };
}

/** The predict/feedback input of a body: `instances` (row format) or `inputs` (columnar), exactly one. */
export function v1Input(
  body: Record<string, unknown>,
  input: readonly number[],
): { input: RequestInput; rows: boolean } {
  const hasInstances = body.instances !== undefined;
  const hasInputs = body.inputs !== undefined;
  if (hasInstances === hasInputs)
    throw badRequest(
      hasInstances
        ? 'give either instances (row format) or inputs (columnar), not both'
        : 'the body needs instances (row format) or inputs (columnar)',
    );
  return hasInstances
    ? { input: fromInstances(body.instances, input), rows: true }
    : { input: fromColumnar(body.inputs, input), rows: false };
}

function predictions(outputs: string[], result: Record<string, OutputTensor>, n: number) {
  const one = outputs.length === 1;
  return Array.from({ length: n }, (_, i) => {
    if (one) {
      const t = result[outputs[0]];
      const inner = t.shape.slice(1);
      return nest(t.data, inner, i * (t.data.length / n));
    }
    const row: Record<string, unknown> = {};
    for (const o of outputs) {
      const t = result[o];
      row[o] = nest(t.data, t.shape.slice(1), i * (t.data.length / n));
    }
    return row;
  });
}

function columnarOutputs(outputs: string[], result: Record<string, OutputTensor>) {
  if (outputs.length === 1) return nest(result[outputs[0]].data, result[outputs[0]].shape);
  return Object.fromEntries(outputs.map((o) => [o, nest(result[o].data, result[o].shape)]));
}

async function withLease<T>(t: Target, request: FastifyRequest, reply: FastifyReply, f: (l: Lease) => Promise<T>) {
  const lease = t.holder.acquire(t.selector);
  request.served!.version = lease.version.id;
  reply.header('x-model-version', lease.version.id);
  try {
    return await f(lease);
  } finally {
    lease.release();
  }
}

export function registerTfServing(app: FastifyInstance, server: ServeContext): void {
  app.get('/v1/models/*', async (request, reply) => {
    const t = target(server, request);
    if (t.verb !== undefined) throw badRequest(`:${t.verb} takes POST`);
    if (t.resource === 'feedback') {
      request.served!.route = 'v1_feedback';
      return { model: t.holder.name, ...server.feedback(t.holder.name).stats() };
    }
    if (t.resource === 'metadata') {
      request.served!.route = 'v1_metadata';
      return withLease(t, request, reply, async (l) => metadata(l.version, t.holder));
    }
    request.served!.route = 'v1_status';
    return status(t);
  });

  app.post('/v1/models/*', async (request, reply) => {
    const t = target(server, request);
    if (t.resource === 'feedback') {
      request.served!.route = 'v1_feedback';
      const body = parseBody(request.body, request.headers);
      return withLease(t, request, reply, async (l) => {
        const { input } = v1Input(body.json, l.version.model.config.input);
        const batch = await toBatch(l.version, input, server.store, body.json.instances ? 'instances' : 'inputs');
        const labels = checkLabels(l.version.model, body.json.labels, batch.n);
        server.feedback(t.holder.name).append(l.version.id, batch, l.version.model.config.input, labels);
        server.metrics.feedback.inc({ model: t.holder.name }, batch.n);
        return {
          model: t.holder.name,
          version: l.version.id,
          appended: batch.n,
          count: server.feedback(t.holder.name).stats().count,
        };
      });
    }
    if (t.resource === 'metadata') throw badRequest('/metadata takes GET');
    if (t.verb === undefined) throw badRequest(`POST ${request.url.split('?')[0]}: add :predict`);
    if (t.verb !== 'predict')
      throw badRequest(
        `:${t.verb} is not supported here; use :predict (with "outputs" to choose representations and heads)`,
      );
    request.served!.route = 'v1_predict';
    const body = parseBody(request.body, request.headers);
    const sig = body.json.signature_name;
    if (sig !== undefined && sig !== 'serving_default' && sig !== '')
      throw badRequest(`signature_name ${typeOf(sig)}: the only signature is "serving_default"`);
    return withLease(t, request, reply, async (l) => {
      const { input, rows } = v1Input(body.json, l.version.model.config.input);
      const outputs = checkOutputs(l.version, body.json.outputs);
      const batch = await toBatch(l.version, input, server.store, rows ? 'instances' : 'inputs');
      const result = await server.batcher.predict(l.version, batch, outputs);
      server.sampler?.offer(t.holder, l.version, batch, result);
      return rows
        ? { predictions: predictions(outputs, result, batch.n) }
        : { outputs: columnarOutputs(outputs, result) };
    });
  });
}
