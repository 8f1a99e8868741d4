// `amalgam retrain NAME [--from TAG] [--epochs E]`: one round of lib/serve's feedback → retrain → promote.
import { selectBackend } from '../../lib/backend';
import { numberFlag, type ParsedArgs } from '../../lib/magics/args';
import { seed } from '../../lib/random';
import { type DriftRetrainOptions, driftRetrainText, retrainIfDrift } from '../../lib/serve/ondrift';
import { retrain, retrainText } from '../../lib/serve/retrain';
import { checkFlags } from './serve';

const FLAGS = [
  'from',
  'tag',
  'epochs',
  'lr',
  'batch',
  'holdout',
  'tolerance',
  'registry',
  'seed',
  'json',
  'if-drift',
  'rep',
];
const REPS = ['latent_high', 'latent_low', 'logits', 'probs'];

/** --if-drift alone (drift when the permutation test says so) or --if-drift THRESHOLD (MMD²). */
function ifDrift(args: ParsedArgs): true | number | undefined {
  const raw = args.flags['if-drift'];
  if (raw === undefined || raw === true) return raw;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new Error(
      `--if-drift takes an optional MMD² threshold (a number ≥ 0), got "${raw}" (put NAME before the flags)`,
    );
  return n;
}

export function retrainOptions(args: ParsedArgs): DriftRetrainOptions & { name: string } {
  checkFlags('retrain', args, FLAGS);
  const onDrift = ifDrift(args); // first: `--if-drift NAME` took the name as its value
  const name = args._[0];
  if (!name || args._.length > 1)
    throw new Error('usage: amalgam retrain NAME [--from TAG] [--epochs E] (amalgam retrain --help)');
  const value = (flag: string) => {
    const v = args.flags[flag];
    if (v === true) throw new Error(`--${flag} expects a value`);
    return v;
  };
  const tolerance = numberFlag(args, 'tolerance', 'retrain');
  const rep = value('rep');
  if (rep !== undefined && !REPS.includes(rep))
    throw new Error(`--rep: no representation "${rep}" (${REPS.join(', ')})`);
  if (rep !== undefined && args.flags['if-drift'] === undefined) throw new Error('--rep goes with --if-drift');
  if (tolerance !== undefined && tolerance < 0) throw new Error(`--tolerance must be ≥ 0, got ${tolerance}`);
  return {
    name,
    from: value('from'),
    tag: value('tag'),
    epochs: numberFlag(args, 'epochs', 'retrain'),
    lr: numberFlag(args, 'lr', 'retrain'),
    batchSize: numberFlag(args, 'batch', 'retrain'),
    holdout: numberFlag(args, 'holdout', 'retrain'),
    registry: value('registry'),
    tolerance,
    ifDrift: onDrift,
    rep,
  };
}

export async function retrainCommand(args: ParsedArgs): Promise<number> {
  const { name, ...options } = retrainOptions(args);
  // Seeded (default 0), so the same feedback and data give the same challenger.
  seed(numberFlag(args, 'seed', 'retrain') ?? 0);
  await selectBackend().catch((e) => console.error(`backend: ${(e as Error).message}`));
  if (options.ifDrift !== undefined) {
    const r = await retrainIfDrift(name, options);
    console.log(args.flags.json ? JSON.stringify(r, null, 1) : driftRetrainText(r));
    return 0;
  }
  const result = await retrain(name, options);
  console.log(args.flags.json ? JSON.stringify(result, null, 1) : retrainText(result));
  return 0;
}
