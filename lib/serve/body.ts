// Request bodies: JSON, or (Triton's binary tensor data extension) a JSON header of
// Inference-Header-Content-Length bytes followed by the tensors' raw bytes.
import { badRequest } from './errors';

export interface Body {
  json: Record<string, unknown>;
  /** The bytes after the JSON header (binary tensor data), if any. */
  binary?: Buffer;
}

export function parseBody(raw: unknown, headers: Record<string, string | string[] | undefined>): Body {
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.alloc(0);
  if (bytes.length === 0) throw badRequest('the request has no body: send a JSON object');
  const header = headers['inference-header-content-length'];
  let jsonBytes = bytes;
  let binary: Buffer | undefined;
  if (header !== undefined) {
    const n = Number(header);
    if (!Number.isSafeInteger(n) || n < 0 || n > bytes.length)
      throw badRequest(
        `Inference-Header-Content-Length is ${JSON.stringify(header)}; it must be the JSON header's length, at most the body's ${bytes.length} bytes`,
      );
    jsonBytes = bytes.subarray(0, n);
    binary = bytes.subarray(n);
  }
  let json: unknown;
  try {
    json = JSON.parse(jsonBytes.toString('utf8'));
  } catch (e) {
    throw badRequest(`malformed JSON: ${(e as Error).message}`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw badRequest(`the body must be a JSON object, got ${Array.isArray(json) ? 'a list' : JSON.stringify(json)}`);
  return { json: json as Record<string, unknown>, binary };
}
