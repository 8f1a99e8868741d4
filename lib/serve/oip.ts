// The Open Inference Protocol v2 (KServe, Triton) under /v2: server and model metadata, readiness,
// `infer` with typed tensors, `outputs` selection, the request id echoed, `model_version` in every
// response, and Triton's binary tensor data extension. Versions in the path are version ids (any
// unique prefix) or registry tags.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Body, parseBody } from './body';
import { badRequest } from './errors';
import { checkLabels } from './feedback';
import type { Lease, LoadedVersion, ModelHolder } from './holder';
import { checkOutputs, INPUT_NAME, type RequestInput, toBatch, typeOf } from './inputs';
import { IMAGE_COLUMN } from './records';
import type { ServeContext } from './context';
import {
  bytesOf,
  checkDatatype,
  checkShape,
  datatypeOf,
  type OutputTensor,
  readBinary,
  readData,
  size,
  type TensorValues,
} from './tensors';
import { modelDetails } from './tfserving';

export const EXTENSIONS = ['binary_tensor_data'];
const PLATFORM = 'amalgam_tfjs';

interface Params {
  name: string;
  version?: string;
}

const isObject = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);

/** A path version: a registry tag of the model, else a version id prefix. */
function selector(holder: ModelHolder, version: string | undefined) {
  if (version === undefined) return {};
  return version in holder.store.tags(holder.name) ? { label: version } : { version };
}

async function withLease<T>(
  server: ServeContext,
  request: FastifyRequest<{ Params: Params }>,
  reply: FastifyReply,
  route: string,
  f: (l: Lease, holder: ModelHolder) => Promise<T>,
) {
  const { name, version } = request.params;
  request.served = { route };
  const holder = server.holder(name);
  request.served.model = name; // only served names become metric labels
  const lease = holder.acquire(selector(holder, version));
  request.served.version = lease.version.id;
  reply.header('x-model-version', lease.version.id);
  try {
    return await f(lease, holder);
  } finally {
    lease.release();
  }
}

function modelMetadata(v: LoadedVersion, holder: ModelHolder) {
  const model = v.model;
  return {
    name: holder.name,
    versions: holder.store.versions(holder.name).map((m) => m.id),
    platform: PLATFORM,
    inputs: [{ name: INPUT_NAME, datatype: 'FP32', shape: [-1, ...model.config.input] }],
    outputs: model.outputNames.map((o) => ({
      name: o,
      datatype: 'FP32',
      shape: [
        -1,
        ...model
          .outputShape(o)
          .slice(1)
          .map((d) => d ?? -1),
      ],
    })),
    model_version: v.id,
    amalgam: modelDetails(v, holder),
  };
}

/** One input tensor's values, from `data` or its share of the binary section. */
function tensorValues(t: Record<string, any>, where: string, body: Body, cursor: { at: number }): TensorValues {
  const datatype = checkDatatype(t.datatype, `${where}.datatype`);
  const shape = checkShape(t.shape, `${where}.shape`);
  const binarySize = isObject(t.parameters) ? t.parameters.binary_data_size : undefined;
  if (binarySize !== undefined) {
    if (!Number.isSafeInteger(binarySize) || binarySize < 0)
      throw badRequest(`${where}.parameters.binary_data_size must be a byte count, got ${JSON.stringify(binarySize)}`);
    if (!body.binary)
      throw badRequest(`${where}: binary_data_size is set but the request has no Inference-Header-Content-Length`);
    if (cursor.at + binarySize > body.binary.length)
      throw badRequest(
        `${where}: binary_data_size ${binarySize} runs past the binary data (${body.binary.length - cursor.at} bytes left)`,
      );
    const bytes = body.binary.subarray(cursor.at, cursor.at + binarySize);
    cursor.at += binarySize;
    if (t.data !== undefined) throw badRequest(`${where} has both data and binary_data_size`);
    return readBinary(bytes, datatype, shape, where);
  }
  if (t.data === undefined) throw badRequest(`${where}.data is missing (or set parameters.binary_data_size)`);
  return readData(t.data, datatype, shape, where);
}

/** OIP `inputs`: the tensor named "input", or one tensor per raw-record column (first dimension: rows). */
export function oipInput(body: Body, input: readonly number[]): RequestInput {
  const inputs = body.json.inputs;
  if (!Array.isArray(inputs)) throw badRequest(`inputs must be a list of tensors, got ${typeOf(inputs)}`);
  if (inputs.length === 0) throw badRequest('inputs is empty: send the tensor "input" (or raw-record columns)');
  const cursor = { at: 0 };
  const tensors = inputs.map((t, i) => {
    const where = `inputs[${i}]`;
    if (!isObject(t)) throw badRequest(`${where} must be a tensor object {name, shape, datatype, data}`);
    if (typeof t.name !== 'string' || !t.name) throw badRequest(`${where}.name must be a tensor name`);
    return { name: t.name as string, shape: t.shape as number[], values: tensorValues(t, where, body, cursor), where };
  });
  if (body.binary && cursor.at !== body.binary.length)
    throw badRequest(
      `the binary data has ${body.binary.length} bytes; the inputs' binary_data_size add up to ${cursor.at}`,
    );
  const names = new Set<string>();
  for (const t of tensors) {
    if (names.has(t.name)) throw badRequest(`${t.where}: input "${t.name}" is given twice`);
    names.add(t.name);
  }
  const main = tensors.find((t) => t.name === INPUT_NAME);
  if (main) {
    if (tensors.length > 1)
      throw badRequest(
        `the model has one input, "${INPUT_NAME}"; the request also sends ${tensors
          .filter((t) => t !== main)
          .map((t) => `"${t.name}"`)
          .join(', ')}`,
      );
    if (main.values.kind !== 'numbers') throw badRequest(`${main.where}: "${INPUT_NAME}" takes numbers, not BYTES`);
    const [n, ...rest] = main.shape;
    const fits =
      main.shape.length >= 1 &&
      ((rest.length === input.length && rest.every((d, i) => d === input[i])) ||
        (rest.length === 1 && rest[0] === size(input)));
    if (!fits || n === 0)
      throw badRequest(
        `${main.where}.shape is [${main.shape.join(', ')}]; the model's input "${INPUT_NAME}" is [batch, ${input.join(', ')}] with batch ≥ 1`,
      );
    return { kind: 'tensor', batch: { data: main.values.data, n } };
  }
  // Raw records: each tensor is a column, one value (or one image) per row.
  const columns: Record<string, unknown[]> = {};
  let n: number | undefined;
  for (const t of tensors) {
    const rows = t.shape[0];
    const perRow = size(t.shape.slice(1));
    if (t.shape.length === 0 || (t.name !== IMAGE_COLUMN && perRow !== 1))
      throw badRequest(
        `${t.where}: "${t.name}" is not the model's input "${INPUT_NAME}", so it is read as a raw-record column: shape [rows] or [rows, 1], got [${t.shape.join(', ')}]`,
      );
    if (n !== undefined && rows !== n)
      throw badRequest(`${t.where}: column "${t.name}" has ${rows} rows, the others ${n}`);
    n = rows;
    const data = t.values.data;
    columns[t.name] =
      t.name === IMAGE_COLUMN && perRow !== 1
        ? Array.from({ length: rows }, (_, r) => Array.prototype.slice.call(data, r * perRow, (r + 1) * perRow))
        : Array.from(data as ArrayLike<unknown>);
  }
  if (!n) throw badRequest('inputs has no rows');
  return { kind: 'records', columns, n };
}

/** The requested outputs and which of them go back as binary data. */
function requestedOutputs(json: Record<string, unknown>, version: LoadedVersion) {
  const all = isObject(json.parameters) && json.parameters.binary_data_output === true;
  if (json.outputs === undefined) {
    const names = checkOutputs(version, undefined);
    return { names, binary: new Set(all ? names : []) };
  }
  if (!Array.isArray(json.outputs)) throw badRequest(`outputs must be a list of {name}, got ${typeOf(json.outputs)}`);
  const binary = new Set<string>();
  const names = json.outputs.map((o, i) => {
    if (!isObject(o) || typeof o.name !== 'string') throw badRequest(`outputs[${i}] must be {"name": OUTPUT}`);
    const flag = isObject(o.parameters) ? o.parameters.binary_data : undefined;
    if (flag !== undefined && typeof flag !== 'boolean')
      throw badRequest(`outputs[${i}].parameters.binary_data must be true or false`);
    if (flag ?? all) binary.add(o.name);
    return o.name;
  });
  return { names: checkOutputs(version, names, 'outputs'), binary };
}

function inferResponse(
  reply: FastifyReply,
  holder: ModelHolder,
  v: LoadedVersion,
  id: string | undefined,
  names: string[],
  binary: Set<string>,
  result: Record<string, OutputTensor>,
) {
  const chunks: Buffer[] = [];
  const outputs = names.map((name) => {
    const t = result[name];
    const head = { name, datatype: datatypeOf(t), shape: t.shape };
    if (!binary.has(name)) return { ...head, data: Array.from(t.data) };
    const bytes = bytesOf(t);
    chunks.push(bytes);
    return { ...head, parameters: { binary_data_size: bytes.length } };
  });
  const json = { model_name: holder.name, model_version: v.id, ...(id !== undefined ? { id } : {}), outputs };
  if (!chunks.length) return json;
  const header = Buffer.from(JSON.stringify(json));
  reply.header('inference-header-content-length', header.length).type('application/octet-stream');
  return Buffer.concat([header, ...chunks]);
}

export function registerOip(app: FastifyInstance, server: ServeContext): void {
  const serverMetadata = async (request: FastifyRequest) => {
    request.served = { route: 'v2_metadata' };
    return { name: 'amalgam', version: server.version, extensions: EXTENSIONS };
  };
  app.get('/v2', serverMetadata);
  app.get('/v2/', serverMetadata);

  for (const prefix of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
    app.get<{ Params: Params }>(prefix, (request, reply) =>
      withLease(server, request, reply, 'v2_metadata', async (l, holder) => modelMetadata(l.version, holder)),
    );
    app.get<{ Params: Params }>(`${prefix}/ready`, (request, reply) =>
      withLease(server, request, reply, 'v2_ready', async (l, holder) => ({
        name: holder.name,
        ready: !l.version.disposed,
        model_version: l.version.id,
      })),
    );
    app.post<{ Params: Params }>(`${prefix}/infer`, (request, reply) => {
      const body = parseBody(request.body, request.headers);
      const id = body.json.id;
      if (id !== undefined && typeof id !== 'string') throw badRequest(`id must be a string, got ${typeOf(id)}`);
      if (body.json.parameters !== undefined && !isObject(body.json.parameters))
        throw badRequest(`parameters must be an object, got ${typeOf(body.json.parameters)}`);
      return withLease(server, request, reply, 'v2_infer', async (l, holder) => {
        const input = oipInput(body, l.version.model.config.input);
        const { names, binary } = requestedOutputs(body.json, l.version);
        const batch = await toBatch(l.version, input, server.store, 'inputs');
        const result = await server.batcher.predict(l.version, batch, names);
        server.sampler?.offer(holder, l.version, batch, result);
        return inferResponse(reply, holder, l.version, id as string | undefined, names, binary, result);
      });
    });
  }

  app.get<{ Params: Params }>('/v2/models/:name/feedback', async (request) => {
    request.served = { route: 'v2_feedback' };
    const holder = server.holder(request.params.name);
    request.served.model = holder.name;
    return { model: holder.name, ...server.feedback(holder.name).stats() };
  });
  app.post<{ Params: Params }>('/v2/models/:name/feedback', (request, reply) => {
    const body = parseBody(request.body, request.headers);
    return withLease(server, request, reply, 'v2_feedback', async (l, holder) => {
      const input = oipInput(body, l.version.model.config.input);
      const batch = await toBatch(l.version, input, server.store, 'inputs');
      const labels = checkLabels(l.version.model, body.json.labels, batch.n);
      const log = server.feedback(holder.name);
      log.append(l.version.id, batch, l.version.model.config.input, labels);
      server.metrics.feedback.inc({ model: holder.name }, batch.n);
      return { model_name: holder.name, model_version: l.version.id, appended: batch.n, count: log.stats().count };
    });
  });
}
