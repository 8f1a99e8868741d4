/**
 * Model benchmark: the reference amalgamation (conv bottom, four representations, a classify head
 * for the 10 classes, a reconstruct head, and a head on latent_low + probs predicting the coarse
 * category) trained on Fashion-MNIST (the full 60,000 / 10,000 when Debian's dataset-fashion-mnist
 * is installed, else the shipped subset), against the same network in PyTorch CPU on the same
 * cores in the same run: test accuracy and training samples/s. Writes bench/results/model.json.
 *
 *   amalgam bench model [--epochs N] [--limit N]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, wasmThreads } from '../lib/backend';
import { loadDataset } from '../lib/data/datasets';
import { amalgamate } from '../lib/model/index';
import { seed } from '../lib/random';
import { evaluate } from '../lib/train/evaluate';
import { fit } from '../lib/train/fit';

const ROOT = path.resolve(__dirname, '..', '..');

export const referenceConfig = {
  input: [28, 28, 1],
  bottom: { blocks: [{ conv: { filters: 32 } }, { pool: {} }, { conv: { filters: 64 } }, { pool: {} }] },
  representations: { latent_high: { units: 128 }, latent_low: { units: 16 }, logits: { units: 10 } },
  heads: {
    label: { from: 'logits', task: 'classify' as const, target: 'label' },
    recon: { from: 'latent_low', task: 'reconstruct' as const, weight: 0.2 },
    coarse: {
      from: ['latent_low', 'probs'],
      task: 'classify' as const,
      target: 'coarse',
      units: 4,
      layers: [{ dense: { units: 32 } }],
    },
  },
};

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export async function main(args: string[] = []): Promise<void> {
  const epochs = flag(args, 'epochs', 5);
  const limit = flag(args, 'limit', 0) || undefined;
  const backend = await selectBackend();
  const threads = backend === 'wasm' ? (wasmThreads() ?? 1) : 1;
  const ds = await loadDataset('fashion-mnist');
  const train = ds.table
    .params({})
    .filter((d: any) => d.split === 'train')
    .numRows();
  console.log(`${ds.description}: ${train} train rows; backend ${backend}, ${threads} thread(s); ${epochs} epochs`);

  seed(1);
  const model = amalgamate(referenceConfig);
  const before = tf.memory().numTensors;
  const result = await fit(model, ds, {
    epochs,
    batchSize: 64,
    lr: 1e-3,
    validationSplit: 0,
    live: false,
    limit,
    onEpoch: (e, logs) =>
      console.log(`  epoch ${e}: label loss ${logs.label.loss.toFixed(4)} acc ${logs.label.acc.toFixed(4)}`),
  });
  const ev = evaluate(model, ds, { split: 'test' });
  const leaked = tf.memory().numTensors - before;
  const ours = {
    samples_per_sec: result.samplesPerSec,
    test_acc: ev.metrics.label.acc,
    coarse_acc: ev.metrics.coarse.acc,
    recon_mse: ev.metrics.recon.mse,
    leaked,
  };

  let torch: any;
  if (ds.source === 'system' && !limit) {
    const dir = path.dirname(ds.files[0]);
    torch = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [path.join(ROOT, 'bench', 'py', 'model_baseline.py'), dir, String(threads), String(epochs)],
        { encoding: 'utf8' },
      )
        .trim()
        .split('\n')
        .pop()!,
    );
  }
  const rows = [
    ['test accuracy (label)', ours.test_acc.toFixed(4), torch ? torch.test_acc.toFixed(4) : '—', 'goal ≥ 0.90'],
    ['test accuracy (coarse)', ours.coarse_acc.toFixed(4), torch ? torch.coarse_acc.toFixed(4) : '—', ''],
    [
      'training samples/s',
      ours.samples_per_sec.toFixed(0),
      torch ? torch.samples_per_sec.toFixed(0) : '—',
      torch ? `${(ours.samples_per_sec / torch.samples_per_sec).toFixed(2)}× PyTorch` : '',
    ],
  ];
  console.table(rows.map(([what, amalgam, pytorch, note]) => ({ what, amalgam, pytorch, note })));
  const out = {
    date: new Date().toISOString(),
    dataset: ds.description,
    backend,
    threads,
    epochs,
    amalgam: ours,
    pytorch: torch ?? null,
  };
  fs.mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'bench', 'results', 'model.json'), JSON.stringify(out, null, 2) + '\n');
  process.exit(0); // idle wasm pthreads
}

if (require.main === module) main(process.argv.slice(2));
