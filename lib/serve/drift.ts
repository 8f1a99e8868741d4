// Drift per representation: served rows against training rows in each of the model's named
// representations, by MMD (Gaussian kernel, permutation test: the decision) and per-dimension KS
// with Bonferroni's correction (which dimension moved), plus the same MMD over windows of the
// served rows' arrival times for a small drift-over-time chart. Used by /metrics, %drift and
// `retrain --if-drift`.
import { escapeHtml } from '../display/bundle';
import { htmlTable, type TableView, textTable } from '../display/table';
import { vegaLiteBundle } from '../display/vegalite';
import { derive } from '../random';
import { ksPerDimension } from '../stats/ks';
import type { Sample } from '../stats/matrix';
import { mmdTest } from '../stats/mmd';
import { vlSpec, type VegaLiteSpec } from '../viz/spec';

export interface DriftOptions {
  /** Significance level of the permutation test (default 0.05): drift when p < alpha. */
  alpha?: number;
  /** Drift when MMD² reaches this instead (what `--if-drift THRESHOLD` sets). */
  threshold?: number;
  /** Permutations of the MMD test (default 200). */
  permutations?: number;
  /** Rows per side in the MMD test, seeded subsample (default 400; KS uses every row). */
  maxRows?: number;
  /** Windows of the served rows by arrival time in the chart (default 6; each ≥ 20 rows). */
  windows?: number;
}

export interface RepresentationDrift {
  rep: string;
  dims: number;
  reference: number;
  served: number;
  mmd2: number;
  pValue: number;
  ksPValue: number;
  /** The dimension KS finds most changed. */
  ksDimension: number;
  drift: boolean;
}

export interface DriftPoint {
  rep: string;
  /** The window's last arrival time. */
  time: string;
  rows: number;
  mmd2: number;
  pValue: number;
  drift: boolean;
}

export interface DriftReport {
  name?: string;
  version?: string;
  alpha: number;
  threshold?: number;
  reps: RepresentationDrift[];
  timeline: DriftPoint[];
  /** Drift-over-time chart (Vega-Lite; displays itself). */
  chart: VegaLiteSpec;
  /** Whether `rep` (default: any) drifted. */
  drifted(rep?: string): boolean;
}

/** Rows of `s` at `idx`. */
function rowsAt(s: Sample, idx: ArrayLike<number>): Sample {
  const data = new Float64Array(idx.length * s.cols);
  for (let i = 0; i < idx.length; i++)
    for (let c = 0; c < s.cols; c++) data[i * s.cols + c] = s.data[idx[i] * s.cols + c];
  return { data, rows: idx.length, cols: s.cols };
}

/** A seeded subsample of at most `max` row indices of `n`, in order. */
function subsample(n: number, max: number, label: string): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= max) return all;
  const rand = derive(label);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, max).sort((a, b) => a - b);
}

/**
 * Compares served against reference rows in each representation given in both. `times` (one ISO
 * time per served row) gives the drift-over-time windows.
 */
export function driftOf(
  reference: Record<string, Sample>,
  served: Record<string, Sample>,
  times: readonly string[] | undefined,
  options: DriftOptions = {},
  about: { name?: string; version?: string } = {},
): DriftReport {
  const alpha = options.alpha ?? 0.05;
  const max = options.maxRows ?? 400;
  const decide = (mmd2: number, p: number) => (options.threshold !== undefined ? mmd2 >= options.threshold : p < alpha);
  const reps: RepresentationDrift[] = [];
  const timeline: DriftPoint[] = [];
  for (const rep of Object.keys(served)) {
    const ref = reference[rep];
    const srv = served[rep];
    if (!ref || srv.rows < 2 || ref.rows < 2) continue;
    const refSub = rowsAt(ref, subsample(ref.rows, max, `drift:ref:${rep}`));
    const m = mmdTest(refSub, rowsAt(srv, subsample(srv.rows, max, `drift:served:${rep}`)), {
      permutations: options.permutations ?? 200,
      seed: `drift:${rep}`,
    });
    const ks = ksPerDimension(ref, srv);
    reps.push({
      rep,
      dims: srv.cols,
      reference: ref.rows,
      served: srv.rows,
      mmd2: m.mmd2,
      pValue: m.pValue,
      ksPValue: ks.pValue,
      ksDimension: ks.dimension,
      drift: decide(m.mmd2, m.pValue),
    });
    // Windows by arrival time: MMD of each against the same reference, kernel bandwidth kept.
    if (!times || times.length !== srv.rows) continue;
    const order = Array.from({ length: srv.rows }, (_, i) => i).sort((a, b) => (times[a] < times[b] ? -1 : 1));
    const w = Math.min(options.windows ?? 6, Math.floor(srv.rows / 20));
    const small = rowsAt(ref, subsample(ref.rows, Math.min(max, 200), `drift:ref-window:${rep}`));
    for (let k = 0; k < w; k++) {
      const part = order.slice(Math.floor((k * srv.rows) / w), Math.floor(((k + 1) * srv.rows) / w));
      const r = mmdTest(small, rowsAt(srv, part.slice(0, 200)), {
        permutations: 50,
        bandwidth: m.bandwidth,
        seed: `drift:${rep}:${k}`,
      });
      timeline.push({
        rep,
        time: times[part[part.length - 1]],
        rows: part.length,
        mmd2: r.mmd2,
        pValue: r.pValue,
        drift: decide(r.mmd2, r.pValue),
      });
    }
  }
  const report: DriftReport = {
    ...about,
    alpha,
    threshold: options.threshold,
    reps,
    timeline,
    chart: timelineChart(timeline, options.threshold),
    drifted: (rep?: string) => reps.some((r) => (rep === undefined || r.rep === rep) && r.drift),
  };
  Object.defineProperty(report, 'drifted', { enumerable: false });
  Object.defineProperty(report, Symbol.for('Jupyter.display'), { enumerable: false, value: () => driftBundle(report) });
  return report;
}

function timelineChart(points: DriftPoint[], threshold?: number): VegaLiteSpec {
  const values = points.map((p) => ({ ...p, mmd2: Number(p.mmd2.toFixed(5)), drift: p.drift ? 'drift' : 'no drift' }));
  const layers: Record<string, any>[] = [
    {
      mark: { type: 'line', point: false },
      encoding: {
        x: { field: 'time', type: 'temporal', title: 'served (window end)' },
        y: { field: 'mmd2', type: 'quantitative', title: 'MMD²' },
        color: { field: 'rep', type: 'nominal', title: 'representation' },
      },
    },
    {
      mark: { type: 'point', filled: true, size: 50 },
      encoding: {
        x: { field: 'time', type: 'temporal' },
        y: { field: 'mmd2', type: 'quantitative' },
        color: { field: 'rep', type: 'nominal' },
        shape: {
          field: 'drift',
          type: 'nominal',
          scale: { domain: ['no drift', 'drift'], range: ['circle', 'triangle-up'] },
        },
        tooltip: [
          { field: 'rep', type: 'nominal' },
          { field: 'time', type: 'temporal', format: '%H:%M:%S' },
          { field: 'rows', type: 'quantitative' },
          { field: 'mmd2', type: 'quantitative', title: 'MMD²' },
          { field: 'pValue', type: 'quantitative', title: 'p', format: '.3f' },
        ],
      },
    },
  ];
  if (threshold !== undefined)
    layers.push({
      data: { values: [{ threshold }] },
      mark: { type: 'rule', strokeDash: [4, 3], color: '#d62728' },
      encoding: { y: { field: 'threshold', type: 'quantitative' } },
    });
  return vlSpec({
    title: { text: 'Drift over time', subtitle: 'MMD² of served windows against the training rows' },
    width: 360,
    height: 140,
    data: { values },
    layer: layers,
  });
}

const p = (v: number) => (v < 0.001 ? v.toExponential(1) : v.toFixed(3));

function driftView(r: DriftReport): TableView {
  const rule = r.threshold !== undefined ? `MMD² ≥ ${r.threshold}` : `permutation p < ${r.alpha}`;
  return {
    title: `Drift${r.name ? ` of ${r.name}${r.version ? `@${r.version.slice(0, 12)}` : ''}` : ''}: ${
      r.reps.filter((x) => x.drift).length
    } of ${r.reps.length} representations drifted`,
    subtitle: `served rows against training rows; drift when ${rule}; KS p-values Bonferroni-corrected over the dimensions`,
    columns: ['representation', 'dims', 'training', 'served', 'MMD²', 'p (MMD)', 'p (KS)', 'KS dim', 'drift'],
    rows: r.reps.map((x) => [
      x.rep,
      x.dims,
      x.reference,
      x.served,
      Number(x.mmd2.toFixed(4)),
      p(x.pValue),
      p(x.ksPValue),
      x.ksDimension,
      x.drift ? 'DRIFT' : 'no',
    ]),
  };
}

export const driftText = (r: DriftReport): string => textTable(driftView(r));

async function driftBundle(r: DriftReport) {
  const view = driftView(r);
  const html = htmlTable(view);
  if (!r.timeline.length) return { 'text/plain': textTable(view), 'text/html': html };
  const chart = await vegaLiteBundle(r.chart);
  const png = chart['image/png'];
  return {
    'text/plain': textTable(view),
    'text/html': `${html}${png ? `<img alt="${escapeHtml('drift over time')}" src="data:image/png;base64,${png}">` : ''}`,
  };
}
