// The server's record of served traffic: one reservoir per model version (lib/serve/reservoir.ts).
// A request only draws which of its rows to keep and copies them; the kept rows' representations
// and predicted classes are computed afterwards, off the request's path, in one predict per version
// every flushMs, then appended to the log. The version is held (not disposed) until then.
import type { Executor } from './executor';
import type { LoadedVersion, ModelHolder } from './holder';
import { DEFAULT_SAMPLE_SIZE, Reservoir, type ServedRow, servedFile } from './reservoir';
import type { Batch } from './tensors';

export interface SamplingOptions {
  /** Rows kept per version (default 2,000); 0 keeps none. */
  size?: number;
  /** Representations kept with each row (default ['latent_low']; 'all' for every one). */
  reps?: string[] | 'all';
  /** How often kept rows are computed and written (ms, default 500). */
  flushMs?: number;
}

interface Entry {
  reservoir: Reservoir;
  version: LoadedVersion;
  release?: () => void;
}

export class ServedSampler {
  private entries = new Map<string, Entry>();
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  readonly size: number;

  constructor(
    private registryDir: string,
    private executor: Executor,
    private options: SamplingOptions = {},
  ) {
    this.size = options.size ?? DEFAULT_SAMPLE_SIZE;
  }

  /** The representations kept for a version's rows (the asked ones it has). */
  repsOf(version: LoadedVersion): string[] {
    const have = version.model.representationNames as string[];
    const asked = this.options.reps === 'all' ? have : (this.options.reps ?? ['latent_low']);
    return asked.filter((r) => have.includes(r));
  }

  reservoir(version: LoadedVersion): Reservoir {
    let e = this.entries.get(version.id);
    if (!e) {
      e = {
        version,
        reservoir: new Reservoir(servedFile(this.registryDir, version.name, version.id), {
          capacity: this.size,
          shape: version.model.config.input,
          reps: this.repsOf(version),
        }),
      };
      this.entries.set(version.id, e);
    }
    return e.reservoir;
  }

  /** The reservoirs of this server's versions (by version id). */
  get reservoirs(): Map<string, { name: string; reservoir: Reservoir }> {
    return new Map([...this.entries].map(([id, e]) => [id, { name: e.version.name, reservoir: e.reservoir }]));
  }

  /** Called with every predicted batch: keeps a uniform sample of its rows. */
  offer(holder: ModelHolder, version: LoadedVersion, batch: Batch): void {
    if (this.size <= 0) return;
    const e = this.entries.get(version.id) ?? (this.reservoir(version), this.entries.get(version.id)!);
    e.version = version;
    // Kept rows wait for their representations (their version is held); the count alone is written too.
    if (e.reservoir.offer(batch.data, batch.n)) e.release ??= holder.hold(version);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, this.options.flushMs ?? 500);
    this.timer.unref?.();
  }

  /** Computes and writes every kept row now; resolves when done. */
  drain(): Promise<void> {
    const run = async () => {
      for (const e of this.entries.values()) {
        const taken = e.reservoir.take();
        const release = e.release;
        e.release = undefined;
        if (!taken.length) {
          release?.();
          if (e.reservoir.seen !== e.reservoir.written) e.reservoir.write([]);
          continue;
        }
        try {
          await this.compute(e.version, taken);
        } catch {
          // A row without representations is still a served input: it is written as it is.
        } finally {
          release?.();
        }
        e.reservoir.write(taken);
      }
    };
    const next = (this.draining ?? Promise.resolve()).then(run);
    this.draining = next.finally(() => {
      if (this.draining === next) this.draining = undefined;
    });
    return next;
  }

  private async compute(version: LoadedVersion, rows: [number, ServedRow][]): Promise<void> {
    const model = version.model;
    const classify = model.headNames.filter((h) => model.head(h).task === 'classify' && model.outputNames.includes(h));
    const outputs = [...this.repsOf(version), ...classify];
    if (!outputs.length || version.disposed) return;
    const per = rows[0][1].x.length;
    const data = new Float32Array(rows.length * per);
    rows.forEach(([, r], i) => data.set(r.x, i * per));
    const result = await this.executor.run(version, outputs, data, rows.length);
    rows.forEach(([, r], i) => {
      for (const o of outputs) {
        const { data: all } = result[o];
        const w = all.length / rows.length;
        const part = Float32Array.from(all.subarray(i * w, (i + 1) * w));
        if (classify.includes(o)) {
          let best = 0;
          for (let c = 1; c < w; c++) if (part[c] > part[best]) best = c;
          r.pred[o] = best;
        } else r.reps[o] = part;
      }
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.drain();
    for (const e of this.entries.values()) e.reservoir.close();
  }
}
