// A fitted transform pipeline is plain JSON: every step is its spec plus what fitting learned
// (means, classes, fill values). It travels with a trained model (registry, serving) and
// `apply` repeats exactly the same transforms; `hash()` identifies it. The steps are in steps/.
import { DISPLAY_SYMBOL, type MimeBundle } from '../../display/bundle';
import { tableBundle } from '../../display/table';
import { canonicalJson, sha256 } from '../../util/hash';
import { type ColumnTable, isColumnTable } from '../aq';
import { DataError } from '../errors';
import { STEP_TYPES, STEPS, type StepSpec } from './steps/index';

export type { StepSpec };
export type Step = StepSpec & { fitted?: unknown };

export interface PipelineJSON {
  format: 'amalgam.pipeline';
  version: 1;
  steps: Step[];
}

function definition(type: string) {
  const def = STEPS[type as StepSpec['type']];
  if (!def) throw new DataError(`pipeline: unknown step type "${type}"; one of ${STEP_TYPES.join(', ')}`);
  return def;
}

function tableOf<T>(data: T): T {
  if (!isColumnTable(data)) throw new DataError('pipeline: expected an arquero table or a Dataset');
  return data;
}

export class Pipeline {
  readonly steps: readonly Step[];

  constructor(steps: readonly (Step | StepSpec)[]) {
    for (const s of steps) definition((s as Step)?.type);
    this.steps = steps.map((s) => JSON.parse(JSON.stringify(s)));
  }

  get fitted(): boolean {
    return this.steps.every((s) => s.fitted !== undefined);
  }

  /** A fitted copy: each step learns from the output of the steps before it. */
  fit(data: ColumnTable): Pipeline {
    const fitted: Step[] = [];
    let current = tableOf(data);
    for (const { fitted: _old, ...spec } of this.steps) {
      const def = definition(spec.type);
      const step = { ...spec, fitted: def.fit(spec, current) } as Step;
      fitted.push(step);
      current = def.apply(spec, step.fitted, current);
    }
    return new Pipeline(fitted);
  }

  /** Applies the fitted steps; a table gives a table, a Dataset a Dataset (its images transformed too). */
  apply<T extends ColumnTable>(data: T): T {
    let current = tableOf(data);
    for (const step of this.steps) {
      if (step.fitted === undefined) throw new DataError(`pipeline step ${step.type} is not fitted: call fit() first`);
      current = definition(step.type).apply(step, step.fitted, current);
    }
    return current;
  }

  toJSON(): PipelineJSON {
    return { format: 'amalgam.pipeline', version: 1, steps: JSON.parse(JSON.stringify(this.steps)) };
  }

  static fromJSON(json: PipelineJSON | string): Pipeline {
    const value = typeof json === 'string' ? JSON.parse(json) : json;
    if (value?.format !== 'amalgam.pipeline' || value.version !== 1 || !Array.isArray(value.steps)) {
      throw new DataError(
        'Pipeline.fromJSON: not an amalgam pipeline (expected {format: "amalgam.pipeline", version: 1, steps})',
      );
    }
    return new Pipeline(value.steps);
  }

  /** sha256 of the canonical JSON (keys sorted): equal pipelines, equal hashes. */
  hash(): string {
    return sha256(canonicalJson(this.toJSON()));
  }

  [DISPLAY_SYMBOL](): MimeBundle {
    return tableBundle({
      columns: ['#', 'step', 'spec', 'fitted'],
      rows: this.steps.map(({ type, fitted, ...spec }, i) => [
        i + 1,
        type,
        JSON.stringify(spec),
        fitted === undefined ? 'not fitted' : abbreviate(fitted),
      ]),
      title: `Pipeline ${this.fitted ? `sha256 ${this.hash().slice(0, 12)}` : '(not fitted)'}`,
      maxTextWidth: 60,
    });
  }
}

function abbreviate(v: unknown): string {
  const text = JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/** A pipeline of steps, unfitted: `pipeline([...]).fit(train)` then `.apply(test)`. */
export function pipeline(steps: (Step | StepSpec)[]): Pipeline {
  return new Pipeline(steps);
}
