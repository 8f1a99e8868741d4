// Per-head summary table: the last epoch's metrics for train and validation, and the best validation epoch.
import { DISPLAY_SYMBOL, type MimeBundle } from '../display/bundle';
import { type Cell, tableBundle } from '../display/table';
import type { HistoryRecord } from './training';

export interface HeadSummaryRow {
  head: string;
  metric: string;
  train?: number;
  val?: number;
  /** Epoch with the best validation value (lowest loss/error, highest otherwise). */
  bestEpoch?: number;
  best?: number;
}

const lowerIsBetter = (metric: string) => /loss|error|mse|mae|rmse|crossentropy/i.test(metric);

export interface HeadSummary {
  rows: HeadSummaryRow[];
  [DISPLAY_SYMBOL](): MimeBundle;
}

/** One row per (head, metric) with last-epoch train/val values; renders as an HTML table. */
export function headSummary(records: readonly HistoryRecord[]): HeadSummary {
  const keys = [...new Set(records.map((r) => `${r.head}\u0000${r.metric}`))];
  const rows: HeadSummaryRow[] = keys.map((k) => {
    const [head, metric] = k.split('\u0000');
    const mine = records.filter((r) => r.head === head && r.metric === metric);
    const last = (split: string) =>
      mine
        .filter((r) => r.split === split)
        .sort((a, b) => a.epoch - b.epoch)
        .at(-1)?.value;
    const val = mine.filter((r) => r.split === 'val');
    const best = val.reduce<HistoryRecord | undefined>(
      (b, r) => (!b || (lowerIsBetter(metric) ? r.value < b.value : r.value > b.value) ? r : b),
      undefined,
    );
    return { head, metric, train: last('train'), val: last('val'), bestEpoch: best?.epoch, best: best?.value };
  });
  const f = (v?: number): Cell => (v === undefined ? '' : Number(v.toPrecision(4)));
  const view = {
    columns: ['head', 'metric', 'train (last)', 'validation (last)', 'best validation', 'at epoch'],
    rows: rows.map((r) => [r.head, r.metric, f(r.train), f(r.val), f(r.best), r.bestEpoch ?? '']),
  };
  return { rows, [DISPLAY_SYMBOL]: () => tableBundle(view) };
}
