// `retrain --if-drift`: one round of continuous learning that starts only when the champion's served
// traffic drifted on the chosen representation (MMD permutation p < 0.05, or MMD² ≥ THRESHOLD),
// then goes through the same champion/challenger gate as any retrain.
import { escapeHtml } from '../display/bundle';
import type { Amalgamation } from '../model/amalgamation';
import { load, openRegistry } from '../registry/versioning';
import { type DriftReport, driftText } from './drift';
import { type RetrainOptions, type RetrainResult, retrain, retrainText } from './retrain';
import { drift } from './served';

export interface DriftRetrainOptions extends RetrainOptions {
  /** true: retrain when the permutation test finds drift (p < 0.05); a number: when MMD² reaches it. */
  ifDrift?: true | number;
  /** The representation watched (default latent_low). */
  rep?: string;
}

export interface DriftRetrainResult {
  name: string;
  rep: string;
  drifted: boolean;
  drift: DriftReport;
  /** The retrain, when drift started one. */
  retrain?: RetrainResult;
}

export async function retrainIfDrift(name: string, options: DriftRetrainOptions = {}): Promise<DriftRetrainResult> {
  const store = openRegistry(options.registry);
  const champion = store.resolve(`${name}@${options.from ?? 'latest'}`);
  const rep = options.rep ?? 'latent_low';
  const model = load<Amalgamation>(`${name}@${champion.id}`, { registry: store.dir });
  let report: DriftReport;
  try {
    report = await drift(model, {
      registry: store.dir,
      served: `${name}@${champion.id}`,
      rep,
      threshold: typeof options.ifDrift === 'number' ? options.ifDrift : undefined,
    });
  } finally {
    model.dispose();
  }
  const drifted = report.drifted(rep);
  const result: DriftRetrainResult = {
    name,
    rep,
    drifted,
    drift: report,
    retrain: drifted ? await retrain(name, options) : undefined,
  };
  Object.defineProperty(result, Symbol.for('Jupyter.display'), {
    enumerable: false,
    value: async () => {
      const d = await (report as any)[Symbol.for('Jupyter.display')]();
      const r = result.retrain ? (result.retrain as any)[Symbol.for('Jupyter.display')]() : undefined;
      const line = decision(result);
      return {
        'text/plain': driftRetrainText(result),
        'text/html': `${d['text/html']}<p><b>${escapeHtml(line)}</b></p>${r?.['text/html'] ?? ''}`,
      };
    },
  });
  return result;
}

function decision(r: DriftRetrainResult): string {
  const x = r.drift.reps.find((d) => d.rep === r.rep);
  const figure = x ? `MMD² ${x.mmd2.toFixed(4)}, p ${x.pValue.toFixed(3)}` : 'no figure';
  return r.drifted
    ? `${r.name}: drift on ${r.rep} (${figure}): retrained`
    : `${r.name}: no drift on ${r.rep} (${figure}): not retrained`;
}

export function driftRetrainText(r: DriftRetrainResult): string {
  return [driftText(r.drift), decision(r), ...(r.retrain ? [retrainText(r.retrain)] : [])].join('\n');
}
