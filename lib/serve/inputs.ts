// What a request asks the model for, in either protocol: the input rows (a tensor, or raw records
// for the pipeline) and the outputs to compute. Both protocols' routes decode into this.
import type { RegistryStore } from '../registry/store';
import { badRequest } from './errors';
import type { LoadedVersion } from './holder';
import { type RecordColumns, RecordEncoder } from './records';
import { type Batch, columnarBatch, instancesBatch } from './tensors';

/** Model input: a tensor batch, or raw records that the version's pipeline turns into one. */
export type RequestInput = { kind: 'tensor'; batch: Batch } | { kind: 'records'; columns: RecordColumns; n: number };

/** The input as a batch of model inputs (records through the version's fitted pipeline). */
export async function toBatch(
  version: LoadedVersion,
  input: RequestInput,
  store: RegistryStore,
  where: string,
): Promise<Batch> {
  if (input.kind === 'tensor') return input.batch;
  const encoder = await RecordEncoder.of(version, store);
  return encoder.encode(input.columns, input.n, where);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The input tensor's name: "input" (the amalgamation's input layer). */
export const INPUT_NAME = 'input';

/**
 * TF Serving's `instances` (row format): a list of examples (nested arrays of the input's shape), or
 * of objects: {"input": example} (named input), or raw records {column: value, ...}.
 */
export function fromInstances(instances: unknown, input: readonly number[]): RequestInput {
  if (!Array.isArray(instances)) throw badRequest(`instances must be a list of examples, got ${typeOf(instances)}`);
  if (instances.length === 0) throw badRequest('instances is empty: send at least one example');
  if (instances.every(isPlainObject)) {
    if (instances.every((o) => Object.keys(o).length === 1 && INPUT_NAME in o))
      return {
        kind: 'tensor',
        batch: instancesBatch(
          instances.map((o) => o[INPUT_NAME]),
          input,
        ),
      };
    const names = [...new Set(instances.flatMap((o) => Object.keys(o)))];
    const columns: RecordColumns = Object.fromEntries(names.map((c) => [c, instances.map((o) => o[c] ?? null)]));
    return { kind: 'records', columns, n: instances.length };
  }
  if (instances.some(isPlainObject))
    throw badRequest('instances mixes objects (records) and arrays (examples): send one kind');
  return { kind: 'tensor', batch: instancesBatch(instances, input) };
}

/**
 * TF Serving's `inputs` (columnar format): the batch tensor itself, {"input": tensor}, or raw
 * columns {column: [value per row], ...}.
 */
export function fromColumnar(inputs: unknown, input: readonly number[]): RequestInput {
  if (Array.isArray(inputs)) return { kind: 'tensor', batch: columnarBatch(inputs, input) };
  if (!isPlainObject(inputs))
    throw badRequest(`inputs must be a tensor (nested list) or an object of named inputs, got ${typeOf(inputs)}`);
  const names = Object.keys(inputs);
  if (names.length === 0) throw badRequest('inputs is empty');
  if (names.length === 1 && names[0] === INPUT_NAME)
    return { kind: 'tensor', batch: columnarBatch(inputs[INPUT_NAME], input, `inputs.${INPUT_NAME}`) };
  const columns: RecordColumns = {};
  let n: number | undefined;
  for (const c of names) {
    const v = inputs[c];
    if (!Array.isArray(v)) throw badRequest(`inputs.${c} must be a list with one value per row, got ${typeOf(v)}`);
    if (n !== undefined && v.length !== n)
      throw badRequest(`inputs.${c} has ${v.length} rows, inputs.${names[0]} has ${n}`);
    n = v.length;
    columns[c] = v;
  }
  if (!n) throw badRequest('inputs has no rows');
  return { kind: 'records', columns, n };
}

/** The outputs asked for: a list of names among the version's outputs (default: all of them). */
export function checkOutputs(version: LoadedVersion, outputs: unknown, where = 'outputs'): string[] {
  const known = version.model.outputNames;
  if (outputs === undefined || outputs === null) return known;
  if (!Array.isArray(outputs) || outputs.some((o) => typeof o !== 'string'))
    throw badRequest(`${where} must be a list of output names (${known.join(', ')}), got ${typeOf(outputs)}`);
  if (outputs.length === 0) throw badRequest(`${where} is empty: name at least one of ${known.join(', ')}`);
  const seen = new Set<string>();
  for (const o of outputs as string[]) {
    if (!known.includes(o)) {
      const retrieve = version.model.retrieval.has(o);
      throw badRequest(
        retrieve
          ? `${where}: "${o}" is a retrieve head, which is not served (its index of training rows is not saved in the registry)`
          : `${where}: model ${version.name} has no output "${o}" (outputs: ${known.join(', ')})`,
      );
    }
    if (seen.has(o)) throw badRequest(`${where} names "${o}" twice`);
    seen.add(o);
  }
  return outputs as string[];
}

export function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}
