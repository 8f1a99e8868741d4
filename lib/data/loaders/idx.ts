import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors';

/** An IDX array (the MNIST format): typed data in row-major order and its shape. */
export interface IdxArray {
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
  shape: number[];
}

// IDX type codes -> element size and typed-array constructor. Values are big-endian on disk.
const TYPES: Record<
  number,
  { size: number; make: (n: number) => IdxArray['data']; read: (v: DataView, o: number) => number }
> = {
  0x08: { size: 1, make: (n) => new Uint8Array(n), read: (v, o) => v.getUint8(o) },
  0x09: { size: 1, make: (n) => new Int8Array(n), read: (v, o) => v.getInt8(o) },
  0x0b: { size: 2, make: (n) => new Int16Array(n), read: (v, o) => v.getInt16(o) },
  0x0c: { size: 4, make: (n) => new Int32Array(n), read: (v, o) => v.getInt32(o) },
  0x0d: { size: 4, make: (n) => new Float32Array(n), read: (v, o) => v.getFloat32(o) },
  0x0e: { size: 8, make: (n) => new Float64Array(n), read: (v, o) => v.getFloat64(o) },
};

/** Parses IDX bytes, gunzipping first when they start with the gzip magic. `limit` keeps the first items. */
export function parseIdx(bytes: Uint8Array, options: { file?: string; limit?: number } = {}): IdxArray {
  const file = options.file ?? 'IDX data';
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0)
    throw new DataError(`${file}: not an IDX file (bad magic number)`, { file });
  const type = TYPES[raw[2]];
  if (!type) throw new DataError(`${file}: unknown IDX element type 0x${raw[2].toString(16)}`, { file });
  const dims = raw[3];
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i));
  if (options.limit !== undefined && shape.length > 0) shape[0] = Math.min(shape[0], options.limit);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * dims;
  if (raw.length < start + count * type.size) {
    throw new DataError(
      `${file}: truncated IDX file (header says ${count} values, body holds ${Math.floor((raw.length - start) / type.size)})`,
      { file },
    );
  }
  let data: IdxArray['data'];
  if (type.size === 1) {
    data = type.make(count);
    (data as Uint8Array).set(raw.subarray(start, start + count));
  } else {
    data = type.make(count);
    for (let i = 0; i < count; i++) data[i] = type.read(view, start + i * type.size);
  }
  return { data, shape };
}

export function loadIdx(path: string, options: { limit?: number } = {}): IdxArray {
  return parseIdx(readFileSync(path), { file: path, limit: options.limit });
}
