// Training curves: loss and metrics per head, train vs validation, one small multiple per (head, metric).
import type { HistoryRecord } from '../model/types';
import { vlSpec, type VegaLiteSpec } from './spec';

export type { HistoryRecord };

export interface TrainingCurvesOptions {
  title?: string;
  /** Only these heads (default: all, in order of first appearance). */
  heads?: string[];
  /** Only these metrics (default: all; `loss` first). */
  metrics?: string[];
  /** Panels per row (default: the number of metrics of the widest head, at most 4). */
  columns?: number;
  /** Size of one panel in pixels. */
  width?: number;
  height?: number;
  /** Log-scale the y axis of loss panels (default false). */
  logLoss?: boolean;
}

const SPLIT_LABEL: Record<string, string> = { train: 'train', val: 'validation' };

/**
 * A Vega-Lite v5 spec of training curves. Each panel is one head's metric over epochs, with train
 * (solid) and validation (dashed) lines; y scales are independent per panel (loss and accuracy
 * live on different ranges). Works on a partial history, so the live chart can redraw each epoch.
 */
export function trainingCurves(records: readonly HistoryRecord[], options: TrainingCurvesOptions = {}): VegaLiteSpec {
  const headOrder = options.heads ?? unique(records.map((r) => r.head));
  const metricsSeen = unique(records.map((r) => r.metric));
  const metricOrder = options.metrics ?? [
    ...metricsSeen.filter((m) => m === 'loss'),
    ...metricsSeen.filter((m) => m !== 'loss'),
  ];
  const heads = new Set(headOrder);
  const metrics = new Set(metricOrder);

  const values = records
    .filter((r) => heads.has(r.head) && metrics.has(r.metric) && Number.isFinite(r.value))
    .map((r) => ({
      epoch: r.epoch,
      head: r.head,
      metric: r.metric,
      value: r.value,
      split: SPLIT_LABEL[r.split] ?? r.split,
      panel: `${r.head} · ${r.metric}`,
    }));

  // Panels ordered head by head, metrics in metricOrder within each head.
  const panels: string[] = [];
  for (const h of headOrder)
    for (const m of metricOrder) {
      const p = `${h} · ${m}`;
      if (values.some((v) => v.panel === p)) panels.push(p);
    }
  const perHead = Math.max(
    1,
    ...headOrder.map((h) => new Set(values.filter((v) => v.head === h).map((v) => v.metric)).size),
  );
  const columns = options.columns ?? Math.min(4, perHead);
  const maxEpoch = values.reduce((m, v) => Math.max(m, v.epoch), 0);

  return vlSpec({
    title: options.title ?? (values.length ? `Training curves (epoch ${maxEpoch})` : 'Training curves (no epochs yet)'),
    data: { values },
    facet: {
      field: 'panel',
      type: 'nominal',
      title: null,
      sort: panels,
      header: { labelFontWeight: 'bold', labelFontSize: 12 },
    },
    columns,
    spec: {
      width: options.width ?? 220,
      height: options.height ?? 150,
      layer: [
        {
          mark: { type: 'line', point: { size: 30 }, tooltip: true },
          encoding: {
            x: {
              field: 'epoch',
              type: 'quantitative',
              title: 'epoch',
              axis: { tickMinStep: 1, format: 'd' },
              scale: { domainMin: 1, nice: false },
            },
            y: {
              field: 'value',
              type: 'quantitative',
              title: null,
              scale: options.logLoss ? { type: 'log' } : { zero: false },
            },
            color: {
              field: 'split',
              type: 'nominal',
              title: 'split',
              scale: { domain: ['train', 'validation'], range: ['#1f77b4', '#ff7f0e'] },
            },
            strokeDash: {
              field: 'split',
              type: 'nominal',
              scale: {
                domain: ['train', 'validation'],
                range: [
                  [1, 0],
                  [5, 3],
                ],
              },
            },
            tooltip: [
              { field: 'head', type: 'nominal' },
              { field: 'metric', type: 'nominal' },
              { field: 'split', type: 'nominal' },
              { field: 'epoch', type: 'quantitative' },
              { field: 'value', type: 'quantitative', format: '.4~g' },
            ],
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  });
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
