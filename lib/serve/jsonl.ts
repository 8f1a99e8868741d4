// The JSON-lines logs the server keeps (feedback, served sample): float32 rows as base64, durable
// folders (a new or renamed file survives a crash only once its folder's entry is on disk too), and
// reading back only the complete lines (a torn last line after a kill is skipped).
import * as fs from 'node:fs';

/** float32 values as base64 of their bytes. */
export const f32ToB64 = (a: Float32Array): string =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** The float32 values of base64 bytes (a copy, aligned). */
export function b64ToF32(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** The bytes of a log up to its last newline: what was written whole. */
export function completeBytes(file: string): Buffer {
  const bytes = fs.readFileSync(file);
  return bytes.subarray(0, bytes.lastIndexOf(10) + 1);
}

/** fsync of a folder, so a file just created or renamed in it is durable. */
export function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch {
    // Some filesystems refuse fsync on a folder; the file's own fsync still holds its data.
  }
}
