// The feedback log of a model: labelled examples clients send back, appended to
// <registry>/feedback/<name>.jsonl and fsynced before the request is acknowledged, so nothing
// answered with 200 is lost when the process dies. One line per request:
//   {"time", "version", "n", "shape", "x": base64 float32 model inputs, "labels": {head: [...]}}
// Readers skip a torn last line (a write cut short), so a crash mid-append loses only that request,
// which was never acknowledged.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Amalgamation } from '../model/amalgamation';
import { badRequest } from './errors';
import { b64ToF32, completeBytes, f32ToB64, syncDir } from './jsonl';
import type { Batch } from './tensors';

export interface FeedbackEntry {
  time: string;
  version: string;
  n: number;
  shape: number[];
  /** base64 of the float32 model inputs (after the pipeline), n × shape. */
  x: string;
  /** Per head: class indices (classify), 0/1 rows (multilabel), numbers or rows (regress). */
  labels: Record<string, unknown[]>;
}

export interface FeedbackStats {
  /** Labelled rows. */
  count: number;
  requests: number;
  /** Rows labelled per head. */
  heads: Record<string, number>;
  bytes: number;
  /** sha256 of the log's complete lines: what a retrain records as the feedback it used. */
  sha256: string;
  file: string;
}

export const feedbackFile = (registryDir: string, name: string) => path.join(registryDir, 'feedback', `${name}.jsonl`);

/**
 * Checks labels against the model's heads: keys are head names (or the data column a head learns),
 * one label per row, in range for classify heads. Returns them keyed by head name.
 */
export function checkLabels(model: Amalgamation, labels: unknown, n: number): Record<string, unknown[]> {
  if (!labels || typeof labels !== 'object' || Array.isArray(labels))
    throw badRequest('labels must be an object of head name → one label per row, e.g. {"labels": {"digit": [3, 7]}}');
  const out: Record<string, unknown[]> = {};
  const heads = model.headNames;
  for (const [key, values] of Object.entries(labels as Record<string, unknown>)) {
    const byTarget = heads.filter((h) => model.head(h).target === key);
    const names = heads.includes(key) ? [key] : byTarget;
    if (!names.length)
      throw badRequest(
        `labels.${key}: no head "${key}" (heads: ${heads.map((h) => `${h}${model.head(h).target ? ` (learns ${model.head(h).target})` : ''}`).join(', ')})`,
      );
    if (!Array.isArray(values) || values.length !== n)
      throw badRequest(
        `labels.${key} must be a list with one label per row (${n}), got ${Array.isArray(values) ? `${values.length} labels` : JSON.stringify(values)?.slice(0, 40)}`,
      );
    for (const head of names) out[head] = checkHead(model, head, key, values);
  }
  if (!Object.keys(out).length) throw badRequest('labels is empty: give at least one head, e.g. {"digit": [3]}');
  return out;
}

function checkHead(model: Amalgamation, head: string, key: string, values: unknown[]): unknown[] {
  const h = model.head(head);
  const units = model.outputShape(head).at(-1) ?? 1;
  const where = (i: number) => `labels.${key}[${i}]`;
  values.forEach((v, i) => {
    switch (h.task) {
      case 'classify':
        if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= units)
          throw badRequest(
            `${where(i)} is ${JSON.stringify(v)}: head "${head}" takes a class index from 0 to ${units - 1}`,
          );
        break;
      case 'multilabel':
        if (!Array.isArray(v) || v.length !== units || v.some((b) => b !== 0 && b !== 1))
          throw badRequest(`${where(i)}: head "${head}" takes ${units} values of 0 or 1 per row`);
        break;
      case 'regress': {
        const row = Array.isArray(v) ? v : [v];
        if (row.length !== units || row.some((x) => typeof x !== 'number' || !Number.isFinite(x)))
          throw badRequest(
            `${where(i)}: head "${head}" takes ${units === 1 ? 'a number' : `${units} numbers`} per row`,
          );
        break;
      }
      default:
        throw badRequest(`labels.${key}: head "${head}" (${h.task}) learns without labels; leave it out`);
    }
  });
  return values;
}

export class FeedbackLog {
  private fd?: number;
  private known = { offset: 0, count: 0, requests: 0, heads: {} as Record<string, number> };
  private hash = createHash('sha256');

  constructor(readonly file: string) {}

  /** Appends one request's rows and labels, durably (fsync) before returning. */
  append(version: string, batch: Batch, shape: number[], labels: Record<string, unknown[]>): void {
    if (this.fd === undefined) {
      const dir = path.dirname(this.file);
      fs.mkdirSync(dir, { recursive: true });
      const created = !fs.existsSync(this.file);
      this.fd = fs.openSync(this.file, 'a');
      if (created) syncDir(dir);
    }
    const entry: FeedbackEntry = {
      time: new Date().toISOString(),
      version,
      n: batch.n,
      shape,
      x: f32ToB64(batch.data),
      labels,
    };
    fs.writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    fs.fdatasyncSync(this.fd);
  }

  /** Counts, brought up to date by reading only what was appended since the last call (by any process). */
  stats(): FeedbackStats {
    const bytes = fs.existsSync(this.file) ? fs.statSync(this.file).size : 0;
    if (bytes < this.known.offset) {
      // The log was replaced (rotated or truncated): count it again from the start.
      this.known = { offset: 0, count: 0, requests: 0, heads: {} };
      this.hash = createHash('sha256');
    }
    if (bytes > this.known.offset) {
      const fd = fs.openSync(this.file, 'r');
      try {
        const chunk = Buffer.alloc(bytes - this.known.offset);
        fs.readSync(fd, chunk, 0, chunk.length, this.known.offset);
        const end = chunk.lastIndexOf(10) + 1; // complete lines only
        for (const line of chunk.subarray(0, end).toString('utf8').split('\n')) {
          const e = parseLine(line);
          if (!e) continue;
          this.known.count += e.n;
          this.known.requests++;
          for (const h of Object.keys(e.labels)) this.known.heads[h] = (this.known.heads[h] ?? 0) + e.n;
        }
        this.hash.update(chunk.subarray(0, end));
        this.known.offset += end;
      } finally {
        fs.closeSync(fd);
      }
    }
    return {
      count: this.known.count,
      requests: this.known.requests,
      heads: { ...this.known.heads },
      bytes: this.known.offset,
      sha256: this.hash.copy().digest('hex'),
      file: this.file,
    };
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

function parseLine(line: string): FeedbackEntry | undefined {
  if (!line.trim()) return undefined;
  try {
    const e = JSON.parse(line);
    return e && typeof e.n === 'number' && e.labels && typeof e.x === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}

/** Every complete entry of a feedback log, with the sha256 of the bytes they came from. */
export function readFeedback(file: string): { entries: FeedbackEntry[]; sha256: string; count: number } {
  if (!fs.existsSync(file)) return { entries: [], sha256: createHash('sha256').digest('hex'), count: 0 };
  const complete = completeBytes(file);
  const entries = complete
    .toString('utf8')
    .split('\n')
    .map(parseLine)
    .filter((e): e is FeedbackEntry => !!e);
  return {
    entries,
    sha256: createHash('sha256').update(complete).digest('hex'),
    count: entries.reduce((s, e) => s + e.n, 0),
  };
}

/** The float32 inputs of an entry. */
export function entryInputs(e: FeedbackEntry): Float32Array {
  return b64ToF32(e.x);
}
