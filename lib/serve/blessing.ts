// The champion/challenger gate, after TFX Evaluator's "blessing": on the same held-out data, per
// slice, head and metric, the challenger passes a change threshold (how much worse than the
// champion it may be: 0 by default, so no head may regress) and optional value thresholds.
import type { Amalgamation } from '../model/amalgamation';
import { DEFAULT_METRIC } from '../train/losses';

export interface MetricThreshold {
  /** Largest regression allowed against the champion, in the metric's units (default 0). */
  change?: number;
  /** The challenger's value must be at least this. */
  lower?: number;
  /** The challenger's value must be at most this. */
  upper?: number;
}

/** Per head (or '*' for every head), per metric. Default: each head's main metric with change 0. */
export type Thresholds = Record<string, Record<string, MetricThreshold>>;

export interface Check {
  slice: string;
  head: string;
  metric: string;
  champion: number;
  challenger: number;
  /** challenger − champion, signed so that positive is better. */
  improvement: number;
  pass: boolean;
  why?: string;
}

export interface Blessing {
  blessed: boolean;
  reason: string;
  checks: Check[];
}

const LOWER_IS_BETTER = new Set(['loss', 'mse', 'mae', 'huber']);

/** The metric a head is judged by when no threshold names one: accuracy, mae or mse, else loss. */
export const mainMetric = (model: Amalgamation, head: string) => DEFAULT_METRIC[model.head(head).task] ?? 'loss';

function thresholdsFor(model: Amalgamation, head: string, thresholds: Thresholds | undefined, tolerance: number) {
  const own = { ...thresholds?.['*'], ...thresholds?.[head] };
  return Object.keys(own).length ? own : { [mainMetric(model, head)]: { change: tolerance } };
}

/** Judges the challenger against the champion on every slice (metrics per slice, per head). */
export function bless(
  model: Amalgamation,
  champion: Record<string, Record<string, Record<string, number>>>,
  challenger: Record<string, Record<string, Record<string, number>>>,
  thresholds?: Thresholds,
  /** The change threshold of each head's main metric when `thresholds` names none (default 0). */
  tolerance = 0,
): Blessing {
  const checks: Check[] = [];
  for (const [slice, heads] of Object.entries(champion)) {
    for (const [head, metrics] of Object.entries(heads)) {
      for (const [metric, t] of Object.entries(thresholdsFor(model, head, thresholds, tolerance))) {
        const a = metrics[metric];
        const b = challenger[slice]?.[head]?.[metric];
        if (a === undefined || b === undefined) continue;
        const improvement = LOWER_IS_BETTER.has(metric) ? a - b : b - a;
        const allowed = t.change ?? 0;
        let why: string | undefined;
        if (improvement < -allowed - 1e-12)
          why = `${metric} ${LOWER_IS_BETTER.has(metric) ? 'rose' : 'fell'} from ${a.toFixed(4)} to ${b.toFixed(4)} (allowed change ${allowed})`;
        else if (t.lower !== undefined && b < t.lower) why = `${metric} ${b.toFixed(4)} is below ${t.lower}`;
        else if (t.upper !== undefined && b > t.upper) why = `${metric} ${b.toFixed(4)} is above ${t.upper}`;
        checks.push({ slice, head, metric, champion: a, challenger: b, improvement, pass: !why, why });
      }
    }
  }
  const failed = checks.filter((c) => !c.pass);
  return {
    blessed: checks.length > 0 && failed.length === 0,
    reason: !checks.length
      ? 'nothing to compare: no head has a metric on the held-out data'
      : failed.length
        ? `not blessed: ${failed.map((c) => `${c.head} on ${c.slice}: ${c.why}`).join('; ')}`
        : `blessed: no head regressed (${checks.map((c) => `${c.head} ${c.metric} on ${c.slice} ${c.champion.toFixed(4)} → ${c.challenger.toFixed(4)}`).join('; ')})`,
    checks,
  };
}
