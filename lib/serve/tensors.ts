// Tensors on the wire: nested JSON arrays (TF Serving's row and columnar formats, OIP's `data`),
// OIP datatypes, and Triton's binary tensor data. Every error names the field it found wrong.
import { badRequest } from './errors';

export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A batch of model inputs: n examples of the model's input shape, flat and row-major. */
export interface Batch {
  data: Float32Array;
  n: number;
}

/** A computed output, flat and row-major, with its full shape (batch first). */
export interface OutputTensor {
  data: Float32Array | Int32Array;
  shape: number[];
}

/** Nesting deeper than this is refused (no model input has more dimensions; it also bounds recursion). */
const MAX_DEPTH = 16;

/**
 * Writes the numbers of a nested array into `out` (from `state.at`) and returns the nested shape.
 * Refuses ragged arrays, non-numbers, numbers beyond float32 and absurd nesting, naming the element.
 */
function fill(value: unknown, out: Float32Array, where: string, state: { at: number }, depth = 0): number[] {
  if (typeof value === 'number') {
    out[state.at] = value;
    if (!Number.isFinite(out[state.at])) throw badRequest(`${where} is ${value}, beyond float32`);
    state.at++;
    return [];
  }
  if (!Array.isArray(value))
    throw badRequest(`${where} holds ${JSON.stringify(value)?.slice(0, 40) ?? String(value)}, not a number`);
  if (depth >= MAX_DEPTH) throw badRequest(`${where} is nested more than ${MAX_DEPTH} deep`);
  let inner: number[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const s = fill(value[i], out, `${where}[${i}]`, state, depth + 1);
    if (inner === undefined) inner = s;
    else if (s.length !== inner.length || s.some((d, j) => d !== inner![j]))
      throw badRequest(`${where} is ragged: element ${i} has shape [${s.join(', ')}], element 0 [${inner.join(', ')}]`);
  }
  return [value.length, ...(inner ?? [])];
}

/** Counts the leaves of a nested array (bounded depth), to size the buffer before filling it. */
function count(value: unknown, depth = 0): number {
  if (!Array.isArray(value) || depth > MAX_DEPTH) return 1;
  let n = 0;
  for (const v of value) n += count(v, depth + 1);
  return n;
}

/** A nested array of numbers as a flat Float32Array and its shape. */
export function readNested(value: unknown, where: string): { data: Float32Array; shape: number[] } {
  const data = new Float32Array(count(value));
  const shape = fill(value, data, where, { at: 0 });
  return { data, shape };
}

const fits = (shape: number[], input: readonly number[]) =>
  (shape.length === input.length && shape.every((d, i) => d === input[i])) ||
  (shape.length === 1 && shape[0] === size(input));

const describe = (input: readonly number[]) => `[${input.join(', ')}] (or ${size(input)} numbers flat)`;

/** TF Serving's row format for one input: a list of examples, each of the model's input shape (or flat). */
export function instancesBatch(instances: unknown[], input: readonly number[], where = 'instances'): Batch {
  const per = size(input);
  const data = new Float32Array(instances.length * per);
  instances.forEach((instance, i) => {
    const { data: one, shape } = readNested(instance, `${where}[${i}]`);
    if (!fits(shape, input))
      throw badRequest(
        `${where}[${i}] has shape [${shape.join(', ')}]; the model's input "input" is ${describe(input)}`,
      );
    data.set(one, i * per);
  });
  return { data, n: instances.length };
}

/** TF Serving's columnar format for one input: one tensor whose first dimension is the batch. */
export function columnarBatch(value: unknown, input: readonly number[], where = 'inputs'): Batch {
  const { data, shape } = readNested(value, where);
  if (shape.length === 0 || !fits(shape.slice(1), input))
    throw badRequest(
      `${where} has shape [${shape.join(', ')}]; expected [batch, ${input.join(', ')}] (or [batch, ${size(input)}])`,
    );
  return { data, n: shape[0] };
}

// ---- Open Inference Protocol datatypes -----------------------------------------------------------

export const DATATYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;
export type Datatype = (typeof DATATYPES)[number];

const BYTE_SIZE: Record<Datatype, number> = {
  BOOL: 1,
  UINT8: 1,
  UINT16: 2,
  UINT32: 4,
  UINT64: 8,
  INT8: 1,
  INT16: 2,
  INT32: 4,
  INT64: 8,
  FP16: 2,
  FP32: 4,
  FP64: 8,
  BYTES: 0,
};

const INT_RANGE: Partial<Record<Datatype, [number, number]>> = {
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** The datatype's name checked against the protocol's list, naming the field. */
export function checkDatatype(value: unknown, where: string): Datatype {
  if (typeof value !== 'string' || !(DATATYPES as readonly string[]).includes(value))
    throw badRequest(`${where}: unknown datatype ${JSON.stringify(value)} (one of ${DATATYPES.join(', ')})`);
  return value as Datatype;
}

export function checkShape(value: unknown, where: string): number[] {
  if (!Array.isArray(value) || value.some((d) => !Number.isSafeInteger(d) || d < 0))
    throw badRequest(`${where}: shape must be a list of non-negative integers, got ${JSON.stringify(value)}`);
  return value as number[];
}

/** One OIP input tensor's values: numbers (every numeric datatype) or strings (BYTES). */
export type TensorValues = { kind: 'numbers'; data: Float32Array } | { kind: 'strings'; data: string[] };

/** Flattens OIP `data` (nested or flat) of a numeric datatype, checking values against the datatype. */
export function readData(value: unknown, datatype: Datatype, shape: number[], where: string): TensorValues {
  const expected = size(shape);
  if (datatype === 'BYTES') {
    const flat: unknown[] = Array.isArray(value) ? value.flat(MAX_DEPTH) : [value];
    if (flat.length !== expected)
      throw badRequest(`${where}.data has ${flat.length} elements; shape [${shape.join(', ')}] needs ${expected}`);
    const strings = flat.map((v, i) => {
      if (typeof v !== 'string' && typeof v !== 'number')
        throw badRequest(`${where}.data[${i}] is ${JSON.stringify(v)}: BYTES elements are strings`);
      return String(v);
    });
    return { kind: 'strings', data: strings };
  }
  if (!Array.isArray(value)) throw badRequest(`${where}.data must be a list, got ${JSON.stringify(value)}`);
  const bools = datatype === 'BOOL';
  const mapped = bools ? value.flat(MAX_DEPTH).map((v) => (v === true ? 1 : v === false ? 0 : v)) : value;
  const n = count(mapped);
  if (n !== expected)
    throw badRequest(`${where}.data has ${n} elements; shape [${shape.join(', ')}] needs ${expected}`);
  const { data } = readNested(mapped, `${where}.data`);
  checkValues(data, datatype, `${where}.data`);
  return { kind: 'numbers', data };
}

function checkValues(data: Float32Array | Float64Array, datatype: Datatype, where: string): void {
  const range = INT_RANGE[datatype];
  if (datatype === 'BOOL') {
    for (let i = 0; i < data.length; i++)
      if (data[i] !== 0 && data[i] !== 1)
        throw badRequest(`${where}[${i}] is ${data[i]}: BOOL elements are true/false`);
  } else if (range) {
    for (let i = 0; i < data.length; i++)
      if (!Number.isInteger(data[i]) || data[i] < range[0] || data[i] > range[1])
        throw badRequest(`${where}[${i}] is ${data[i]}: not a whole number in ${datatype}'s range`);
  }
}

/** Decodes one tensor of Triton's binary data (little-endian, row-major). */
export function readBinary(bytes: Buffer, datatype: Datatype, shape: number[], where: string): TensorValues {
  const n = size(shape);
  if (datatype === 'BYTES') {
    const out: string[] = [];
    let at = 0;
    while (at < bytes.length) {
      if (at + 4 > bytes.length) throw badRequest(`${where}: BYTES element ${out.length} has a cut length prefix`);
      const len = bytes.readUInt32LE(at);
      if (at + 4 + len > bytes.length) throw badRequest(`${where}: BYTES element ${out.length} runs past its data`);
      out.push(bytes.toString('utf8', at + 4, at + 4 + len));
      at += 4 + len;
    }
    if (out.length !== n) throw badRequest(`${where}: ${out.length} BYTES elements; shape [${shape}] needs ${n}`);
    return { kind: 'strings', data: out };
  }
  if (datatype === 'FP16') throw badRequest(`${where}: FP16 binary data is not supported (send FP32)`);
  const width = BYTE_SIZE[datatype];
  if (bytes.length !== n * width)
    throw badRequest(
      `${where}: binary_data_size is ${bytes.length} bytes; shape [${shape.join(', ')}] of ${datatype} needs ${n * width}`,
    );
  const data = new Float32Array(n);
  const read: Record<string, (at: number) => number> = {
    BOOL: (at) => bytes.readUInt8(at),
    UINT8: (at) => bytes.readUInt8(at),
    UINT16: (at) => bytes.readUInt16LE(at),
    UINT32: (at) => bytes.readUInt32LE(at),
    UINT64: (at) => Number(bytes.readBigUInt64LE(at)),
    INT8: (at) => bytes.readInt8(at),
    INT16: (at) => bytes.readInt16LE(at),
    INT32: (at) => bytes.readInt32LE(at),
    INT64: (at) => Number(bytes.readBigInt64LE(at)),
    FP32: (at) => bytes.readFloatLE(at),
    FP64: (at) => bytes.readDoubleLE(at),
  };
  if (datatype === 'FP32' && bytes.byteOffset % 4 === 0) {
    data.set(new Float32Array(bytes.buffer, bytes.byteOffset, n));
  } else {
    const r = read[datatype];
    for (let i = 0; i < n; i++) data[i] = r(i * width);
  }
  for (let i = 0; i < n; i++)
    if (!Number.isFinite(data[i])) throw badRequest(`${where}: element ${i} is ${data[i]}, not a finite number`);
  if (datatype === 'BOOL') checkValues(data, datatype, where);
  return { kind: 'numbers', data };
}

/** The OIP datatype of a computed output. */
export const datatypeOf = (t: OutputTensor): Datatype => (t.data instanceof Int32Array ? 'INT32' : 'FP32');

/** A flat typed array as nested JS arrays of `shape` (TF Serving's JSON layout). */
export function nest(data: ArrayLike<number>, shape: readonly number[], offset = 0): unknown {
  if (shape.length === 0) return data[offset];
  if (shape.length === 1) return Array.prototype.slice.call(data, offset, offset + shape[0]);
  const inner = size(shape.slice(1));
  const out = new Array(shape[0]);
  for (let i = 0; i < shape[0]; i++) out[i] = nest(data, shape.slice(1), offset + i * inner);
  return out;
}

/** Raw little-endian bytes of an output (Triton's binary data). */
export const bytesOf = (t: OutputTensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
