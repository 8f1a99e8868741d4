// The server's record of served traffic: one reservoir per model version (lib/serve/reservoir.ts).
// The kept representations are computed by the request's own predict (the batcher adds them to
// every predict of the version: for a head reading latent_low they are on its path anyway), so a
// request pays a random draw per row and a copy of the kept ones; the log is appended off its path,
// every flushMs, in one write and one fdatasync on libuv's threads.
import type { LoadedVersion, ModelHolder } from './holder';
import { DEFAULT_SAMPLE_SIZE, Reservoir, servedFile } from './reservoir';
import type { Batch, OutputTensor } from './tensors';

export interface SamplingOptions {
  /** Rows kept per version (default 2,000); 0 keeps none. */
  size?: number;
  /** Representations kept with each row (default ['latent_low']; 'all' for every one). */
  reps?: string[] | 'all';
  /** How often kept rows are written (ms, default 500). */
  flushMs?: number;
}

interface Entry {
  reservoir: Reservoir;
  version: LoadedVersion;
  /** The kept representations and the classify heads, worked out once per version. */
  reps: string[];
  classify: string[];
}

export class ServedSampler {
  private entries = new Map<string, Entry>();
  private timer?: NodeJS.Timeout;
  readonly size: number;

  constructor(
    private registryDir: string,
    private options: SamplingOptions = {},
  ) {
    this.size = options.size ?? DEFAULT_SAMPLE_SIZE;
  }

  /** The representations kept for a version's rows (the asked ones it has). */
  repsOf(version: LoadedVersion): string[] {
    if (this.size <= 0) return [];
    const have = version.model.representationNames as string[];
    const asked = this.options.reps === 'all' ? have : (this.options.reps ?? ['latent_low']);
    return asked.filter((r) => have.includes(r));
  }

  reservoir(version: LoadedVersion): Reservoir {
    return this.entry(version).reservoir;
  }

  private entry(version: LoadedVersion): Entry {
    let e = this.entries.get(version.id);
    if (!e) {
      const model = version.model;
      e = {
        version,
        reps: this.repsOf(version),
        classify: model.headNames.filter((h) => model.head(h).task === 'classify'),
        reservoir: new Reservoir(servedFile(this.registryDir, version.name, version.id), {
          capacity: this.size,
          shape: version.model.config.input,
          reps: this.repsOf(version),
        }),
      };
      this.entries.set(version.id, e);
    }
    return e;
  }

  /** The reservoirs of this server's versions (by version id). */
  get reservoirs(): Map<string, { name: string; reservoir: Reservoir }> {
    return new Map([...this.entries].map(([id, e]) => [id, { name: e.version.name, reservoir: e.reservoir }]));
  }

  /**
   * Called with every predicted batch and its outputs (which hold the kept representations): keeps a
   * uniform sample of the rows, with the predicted class of each classify head that was computed.
   */
  offer(_holder: ModelHolder, version: LoadedVersion, batch: Batch, result: Record<string, OutputTensor>): void {
    if (this.size <= 0) return;
    const e = this.entry(version);
    const kept = e.reservoir.offer(batch.data, batch.n, (i, row) => {
      for (const r of e.reps) {
        if (!result[r]) continue;
        const w = result[r].data.length / batch.n;
        row.reps[r] = Float32Array.from(result[r].data.subarray(i * w, (i + 1) * w));
      }
      for (const h of e.classify) {
        if (!result[h]) continue;
        const all = result[h].data;
        const w = all.length / batch.n;
        let best = 0;
        for (let c = 1; c < w; c++) if (all[i * w + c] > all[i * w + best]) best = c;
        row.pred[h] = best;
      }
    });
    if (!kept && this.timer) return;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, this.options.flushMs ?? 500);
    this.timer.unref?.();
  }

  /** Writes every kept row (and the count) now; resolves when they are on disk. */
  async drain(): Promise<void> {
    for (const e of this.entries.values()) {
      const taken = e.reservoir.take();
      if (taken.length || e.reservoir.seen !== e.reservoir.written) e.reservoir.write(taken);
    }
    await Promise.all([...this.entries.values()].map((e) => e.reservoir.flushed()));
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.drain();
    await Promise.all([...this.entries.values()].map((e) => e.reservoir.close()));
  }
}
