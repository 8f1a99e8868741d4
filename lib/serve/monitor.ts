// Drift of each served version for /metrics: the representations its reservoir keeps against the
// same representations of a seeded sample of its training rows (from its lineage, computed once per
// version where predict runs). A report is recomputed only when the sample changed since the last
// scrape; a version without recorded training data has no drift gauges.
import type { RegistryStore } from '../registry/store';
import { resolveData } from '../train/data';
import type { Sample } from '../stats/matrix';
import { type DriftReport, driftOf } from './drift';
import type { Executor } from './executor';
import type { LoadedVersion } from './holder';
import { dataSourceOf, loadSource } from './lineage';
import type { ServedSampler } from './sampler';
import { sampleIndices } from '../random';

interface Cached {
  seen: number;
  report?: DriftReport;
}

export class DriftMonitor {
  private cache = new Map<string, Cached>();
  private references = new Map<string, Promise<Record<string, Sample> | undefined>>();
  private pending?: Promise<{ name: string; version: string; report: DriftReport }[]>;

  constructor(
    private store: RegistryStore,
    private executor: Executor,
    private sampler: ServedSampler,
    /** Loaded versions by id (those a reference can still be computed with). */
    private loaded: () => Map<string, LoadedVersion>,
    private referenceRows = 500,
  ) {}

  /** One report per version with a sample (and training data); concurrent callers share the work. */
  reports(): Promise<{ name: string; version: string; report: DriftReport }[]> {
    this.pending ??= this.compute().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async compute() {
    const out: { name: string; version: string; report: DriftReport }[] = [];
    for (const [id, { name, reservoir }] of this.sampler.reservoirs) {
      const cached = this.cache.get(id);
      if (cached && cached.seen === reservoir.seen) {
        if (cached.report) out.push({ name, version: id, report: cached.report });
        continue;
      }
      const version = this.loaded().get(id);
      const reference = await this.reference(id, version);
      if (!reference) {
        this.cache.set(id, { seen: reservoir.seen });
        continue;
      }
      const rows = reservoir.rows.filter((r): r is NonNullable<typeof r> => !!r);
      const served: Record<string, Sample> = {};
      for (const rep of Object.keys(reference)) {
        const have = rows.filter((r) => r.reps[rep]);
        if (have.length < 2) continue;
        const cols = have[0].reps[rep].length;
        const data = new Float32Array(have.length * cols);
        have.forEach((r, i) => data.set(r.reps[rep], i * cols));
        served[rep] = { data, rows: have.length, cols };
      }
      // No time windows here: the drift-over-time chart is %drift's; a scrape needs one figure per representation.
      const report = driftOf(reference, served, undefined, { permutations: 100 }, { name, version: id });
      this.cache.set(id, { seen: reservoir.seen, report });
      out.push({ name, version: id, report });
    }
    return out;
  }

  /** The kept representations of a seeded sample of the version's training rows. */
  private reference(id: string, version: LoadedVersion | undefined): Promise<Record<string, Sample> | undefined> {
    let ref = this.references.get(id);
    if (!ref && version && !version.disposed) {
      ref = (async () => {
        const source = dataSourceOf(this.store, version.manifest);
        if (!source) return undefined;
        const data = await loadSource(source);
        const r = resolveData(version.model, data, [], {
          split: (data as any).splitColumn ? (source.split ?? 'train') : undefined,
          limit: source.limit,
        });
        try {
          const n = Math.min(this.referenceRows, r.n);
          const rows = sampleIndices(r.n, n, 'drift:reference'); // seeded, without replacement
          const all = r.x.dataSync() as Float32Array;
          const per = all.length / r.n;
          const x = new Float32Array(n * per);
          rows.forEach((row, i) => x.set(all.subarray(row * per, (row + 1) * per), i * per));
          const reps = this.sampler.repsOf(version);
          if (!reps.length) return undefined;
          const result = await this.executor.run(version, reps, x, n);
          return Object.fromEntries(
            reps.map((rep) => {
              const d = Float32Array.from(result[rep].data);
              return [rep, { data: d, rows: n, cols: d.length / n }];
            }),
          );
        } finally {
          r.dispose();
        }
      })().catch(() => undefined);
      this.references.set(id, ref);
    }
    return ref ?? Promise.resolve(undefined);
  }
}
