// Content hashes: sha256 over canonical JSON (sorted keys) and raw bytes. The registry addresses
// components by them; datasets are checked and pipelines identified with them.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted (undefined values dropped), so equal content always serialises the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .filter((k) => v[k] !== undefined)
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

export function sha256(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}
