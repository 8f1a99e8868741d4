// Confusion matrix with per-class precision and recall, for any classify head.
import { VizError } from './errors';
import { vlSpec, type VegaLiteSpec } from './spec';
import { compact } from './table';

export interface ConfusionOptions {
  /** Class names by index (numeric labels are mapped through it). */
  classes?: string[];
  title?: string;
  /** Show row-normalized rates (recall per true class) instead of counts in the cells' colour. */
  normalize?: boolean;
  size?: number;
}

export interface ClassMetrics {
  class: string;
  support: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Class indices from labels, or argmax of each row of probabilities/logits (a tensor or number[][]). */
function toClassList(values: unknown): unknown[] {
  const v = values as any;
  if (v && typeof v.arraySync === 'function') return toClassList(v.arraySync());
  if (Array.isArray(v) && Array.isArray(v[0]))
    return v.map((row: number[]) => row.reduce((best, x, i) => (x > row[best] ? i : best), 0));
  return Array.from(v as ArrayLike<unknown>);
}

/** Counts and per-class precision/recall/F1 (classes ordered as `classes`, else sorted). */
export function confusionCounts(truth: unknown, predicted: unknown, classes?: string[]) {
  const t = toClassList(truth),
    p = toClassList(predicted);
  if (t.length !== p.length) throw new VizError(`confusion: ${t.length} true labels but ${p.length} predictions`);
  const name = (v: unknown) => (typeof v === 'number' && classes?.[v] !== undefined ? classes[v] : String(v));
  const names =
    classes ?? [...new Set([...t, ...p].map(name))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const index = new Map(names.map((c, i) => [c, i]));
  const k = names.length;
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  t.forEach((v, i) => {
    const a = index.get(name(v)),
      b = index.get(name(p[i]));
    if (a !== undefined && b !== undefined) counts[a][b]++;
  });
  const metrics: ClassMetrics[] = names.map((c, i) => {
    const tp = counts[i][i];
    const support = counts[i].reduce((s, x) => s + x, 0);
    const predicted = counts.reduce((s, row) => s + row[i], 0);
    const precision = predicted ? tp / predicted : 0,
      recall = support ? tp / support : 0;
    return {
      class: c,
      support,
      precision,
      recall,
      f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    };
  });
  const accuracy = t.length ? names.reduce((s, _, i) => s + counts[i][i], 0) / t.length : 0;
  return { classes: names, counts, metrics, accuracy };
}

/** Heatmap of true × predicted (count in each cell) beside per-class precision and recall bars. */
export function confusionMatrix(truth: unknown, predicted: unknown, options: ConfusionOptions = {}): VegaLiteSpec {
  const { classes, counts, metrics, accuracy } = confusionCounts(truth, predicted, options.classes);
  const cells = classes.flatMap((tc, i) => {
    const support = counts[i].reduce((s, x) => s + x, 0);
    return classes.map((pc, j) => ({
      kind: 'cell',
      true: tc,
      predicted: pc,
      count: counts[i][j],
      rate: compact(support ? counts[i][j] / support : 0),
    }));
  });
  const bars = metrics.flatMap((m) => [
    { kind: 'metric', class: m.class, metric: 'precision', value: compact(m.precision), support: m.support },
    { kind: 'metric', class: m.class, metric: 'recall', value: compact(m.recall), support: m.support },
  ]);
  const size = options.size ?? Math.max(200, Math.min(480, classes.length * 32));
  const colorField = options.normalize ? 'rate' : 'count';
  // Numbers are white only on cells dark enough for it: past half of the colour scale's range.
  const darkFrom = 0.5 * Math.max(0, ...cells.map((c) => Number(c[colorField])));
  const n = metrics.reduce((s, m) => s + m.support, 0);
  return vlSpec({
    title: {
      text: options.title ?? 'Confusion matrix',
      subtitle: `${n.toLocaleString('en-US')} examples · accuracy ${(100 * accuracy).toFixed(1)}%`,
    },
    data: { values: [...cells, ...bars] },
    hconcat: [
      {
        width: size,
        height: size,
        transform: [{ filter: "datum.kind === 'cell'" }],
        encoding: {
          x: { field: 'predicted', type: 'nominal', sort: classes, title: 'predicted' },
          y: { field: 'true', type: 'nominal', sort: classes, title: 'true' },
        },
        layer: [
          {
            mark: { type: 'rect', tooltip: true },
            encoding: {
              color: {
                field: colorField,
                type: 'quantitative',
                scale: { scheme: 'blues' },
                title: options.normalize ? 'rate' : 'count',
              },
              tooltip: [
                { field: 'true' },
                { field: 'predicted' },
                { field: 'count', type: 'quantitative' },
                { field: 'rate', type: 'quantitative', format: '.1%', title: 'share of true class' },
              ],
            },
          },
          {
            mark: { type: 'text', fontSize: classes.length > 12 ? 8 : 11 },
            transform: [{ filter: 'datum.count > 0' }],
            encoding: {
              text: { field: 'count', type: 'quantitative' },
              color: { condition: { test: `datum.${colorField} > ${darkFrom}`, value: 'white' }, value: 'black' },
            },
          },
        ],
      },
      {
        width: 160,
        height: size,
        transform: [{ filter: "datum.kind === 'metric'" }],
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'class', type: 'nominal', sort: classes, title: null },
          yOffset: { field: 'metric', type: 'nominal' },
          x: { field: 'value', type: 'quantitative', scale: { domain: [0, 1] }, title: 'precision / recall' },
          color: {
            field: 'metric',
            type: 'nominal',
            scale: { domain: ['precision', 'recall'], range: ['#4c78a8', '#f58518'] },
          },
          tooltip: [
            { field: 'class' },
            { field: 'metric' },
            { field: 'value', type: 'quantitative', format: '.3f' },
            { field: 'support', type: 'quantitative' },
          ],
        },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  });
}
