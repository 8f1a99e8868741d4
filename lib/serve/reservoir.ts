// A bounded, uniform sample of the rows one model version served (reservoir sampling, Vitter's
// Algorithm R: row t replaces a random slot with probability capacity / t), persisted as a JSONL log
// of slot writes beside the feedback log:
//   <registry>/served/<name>/<version>.jsonl
//   {"format": "amalgam.served", "capacity", "seen", "shape", "reps"}      first line (after a compaction)
//   {"slot", "seen", "time", "x": base64 float32 inputs, "reps": {name: base64 float32}, "pred": {head: class}}
//   {"seen"}                                                                 rows offered so far
// Writes are appended and fdatasynced in batches; once the log holds twice the capacity in lines it is
// rewritten to a temporary file, fsynced and renamed over (atomic), so it never grows without bound and
// a process killed at any point leaves a readable log (a torn last line is skipped, as for feedback).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServeError } from './errors';
import { b64ToF32, completeBytes, f32ToB64, syncDir } from './jsonl';

export const DEFAULT_SAMPLE_SIZE = 2000;
export const FORMAT = 'amalgam.served';

export interface ServedRow {
  /** Rows this version had been offered when this one was kept (1-based). */
  seen: number;
  time: string;
  /** The model inputs (after the data pipeline), shape × 1 row. */
  x: Float32Array;
  /** The kept representations (from the request's own predict). */
  reps: Record<string, Float32Array>;
  /** Predicted class per classify head. */
  pred: Record<string, number>;
  /** Its log line once written (a row never changes after it is kept). */
  line?: string;
}

export const servedFile = (registryDir: string, name: string, version: string) =>
  path.join(registryDir, 'served', name, `${version}.jsonl`);

export interface ReservoirState {
  capacity: number;
  seen: number;
  shape: number[];
  reps: string[];
  /** Slots in order; undefined until filled. */
  rows: (ServedRow | undefined)[];
  /** Complete lines in the log (what compaction bounds). */
  lines: number;
}

/** Reads a reservoir log: the last write of each slot wins; invalid or torn lines are skipped. */
export function readReservoir(file: string): ReservoirState | undefined {
  if (!fs.existsSync(file)) return undefined;
  const complete = completeBytes(file).toString('utf8');
  const state: ReservoirState = { capacity: 0, seen: 0, shape: [], reps: [], rows: [], lines: 0 };
  for (const line of complete.split('\n')) {
    if (!line.trim()) continue;
    state.lines++;
    let e: any;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (!e || typeof e !== 'object') continue;
    if (e.format === FORMAT) {
      state.capacity = e.capacity;
      state.shape = e.shape;
      state.reps = e.reps;
    }
    if (typeof e.seen === 'number') state.seen = Math.max(state.seen, e.seen);
    if (Number.isInteger(e.slot) && typeof e.x === 'string') {
      const reps: Record<string, Float32Array> = {};
      for (const [k, v] of Object.entries(e.reps ?? {})) if (typeof v === 'string') reps[k] = b64ToF32(v);
      state.rows[e.slot] = { seen: e.seen, time: e.time, x: b64ToF32(e.x), reps, pred: e.pred ?? {} };
    }
  }
  if (!state.capacity) state.capacity = state.rows.length;
  state.rows.length = Math.min(state.rows.length, state.capacity);
  return state;
}

export interface ReservoirOptions {
  capacity?: number;
  /** The representations kept with each row. */
  reps: string[];
  /** The model's input shape (one row). */
  shape: number[];
  random?: () => number;
}

/** One version's reservoir: sampling in memory, a durable log on disk. */
export class Reservoir {
  readonly capacity: number;
  seen = 0;
  readonly rows: (ServedRow | undefined)[] = [];
  /** Slots kept since the last write. */
  readonly pending = new Map<number, ServedRow>();
  /** The count the log holds. */
  written = 0;
  /** The last write's error, if any (the sample is best effort; requests never fail for it). */
  error?: string;
  private handle?: fs.promises.FileHandle;
  private opened = false;
  private rewrite = false;
  private queue: Promise<void> = Promise.resolve();
  private lines = 0;
  private random: () => number;

  constructor(
    readonly file: string,
    private options: ReservoirOptions,
  ) {
    this.capacity = Math.floor(options.capacity ?? DEFAULT_SAMPLE_SIZE);
    if (!(this.capacity >= 1))
      throw new ServeError(400, `--sample must be a whole number ≥ 1, got ${options.capacity}`);
    this.random = options.random ?? Math.random;
    // A restarted server carries on with the sample it had (same shape), so the sample stays uniform.
    const before = readReservoir(file);
    if (before && before.shape.join() === options.shape.join()) {
      this.seen = before.seen;
      this.written = before.seen;
      this.lines = before.lines;
      before.rows.slice(0, this.capacity).forEach((r, i) => {
        this.rows[i] = r;
      });
      // Another size than the log's header says: the first write rewrites the log with the new header.
      this.rewrite = before.capacity !== this.capacity;
    }
  }

  get size(): number {
    return this.rows.filter(Boolean).length;
  }

  /**
   * Offers a request's rows (flat float32, `n` rows); keeps each with probability capacity / seen.
   * Cheap: a random draw per row and a copy of the kept ones. Returns how many were kept.
   */
  offer(data: Float32Array, n: number, fill?: (i: number, row: ServedRow) => void): number {
    const per = data.length / n;
    let time: string | undefined;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      this.seen++;
      const slot = this.seen <= this.capacity ? this.seen - 1 : Math.floor(this.random() * this.seen);
      if (slot >= this.capacity) continue;
      time ??= new Date().toISOString();
      const row: ServedRow = { seen: this.seen, time, x: data.slice(i * per, (i + 1) * per), reps: {}, pred: {} };
      fill?.(i, row);
      this.rows[slot] = row;
      this.pending.set(slot, row);
      kept++;
    }
    return kept;
  }

  /** The rows kept since the last call, to write them. */
  take(): [number, ServedRow][] {
    const out = [...this.pending];
    this.pending.clear();
    return out;
  }

  /**
   * Appends the given slot writes (those not replaced since) and the count. The lines are encoded
   * now; the file work (write, fdatasync, or a compaction) runs on libuv's threads, one batch after
   * the other, so the event loop never waits for the disk. `flushed()` resolves when it is done.
   */
  write(entries: [number, ServedRow][]): void {
    const out: string[] = [];
    for (const [slot, r] of entries) {
      if (this.rows[slot] !== r) continue; // replaced since: its successor is written later
      out.push(lineOf(slot, r));
    }
    out.push(JSON.stringify({ seen: this.seen }));
    this.written = this.seen;
    // A new log starts with its header (and every row so far); a full one is rewritten.
    if (
      this.rewrite ||
      (!this.opened && !fs.existsSync(this.file)) ||
      this.lines + out.length > 2 * this.capacity + 2
    ) {
      this.rewrite = false;
      this.compact();
      return;
    }
    this.lines += out.length;
    const text = `${out.join('\n')}\n`;
    this.enqueue(async () => {
      this.handle ??= await fs.promises.open(this.file, 'a');
      await this.handle.write(text);
      await this.handle.datasync();
    });
    this.opened = true;
  }

  /** Rewrites the log as the current sample only: temporary file, fsync, rename (atomic), fsync the folder. */
  compact(): void {
    this.written = this.seen;
    const lines = [
      JSON.stringify({
        format: FORMAT,
        capacity: this.capacity,
        seen: this.seen,
        shape: this.options.shape,
        reps: this.options.reps,
      }),
    ];
    this.rows.forEach((r, slot) => {
      if (r) lines.push(lineOf(slot, r));
    });
    this.lines = lines.length;
    this.opened = true;
    const text = `${lines.join('\n')}\n`;
    const tmp = `${this.file}.${process.pid}.tmp`;
    this.enqueue(async () => {
      await this.handle?.close();
      this.handle = undefined;
      await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
      const fh = await fs.promises.open(tmp, 'w');
      try {
        await fh.write(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.promises.rename(tmp, this.file);
      syncDir(path.dirname(this.file));
    });
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((e) => {
      // A full disk or a removed folder must not take the server down: the sample is best effort.
      this.error = (e as Error).message;
    });
  }

  /** Resolves once every write asked for so far is on disk. */
  flushed(): Promise<void> {
    return this.queue;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.handle?.close();
    this.handle = undefined;
  }
}

/** A row's log line, encoded once (compactions reuse it). */
function lineOf(slot: number, r: ServedRow): string {
  r.line ??= JSON.stringify({ slot, seen: r.seen, time: r.time, x: f32ToB64(r.x), reps: mapB64(r.reps), pred: r.pred });
  return r.line;
}

function mapB64(reps: Record<string, Float32Array>): Record<string, string> {
  return Object.fromEntries(Object.entries(reps).map(([k, v]) => [k, f32ToB64(v)]));
}
