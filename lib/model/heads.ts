// Task heads: each turns the representations (or heads) it reads into one named output.
import * as tf from '@tensorflow/tfjs';
import { applyBlocks } from './blocks';
import type { AmalgamConfig, HeadConfig } from './config';
import { ModelError } from './errors';
import { sourcesOf } from './graph';

type Sym = tf.SymbolicTensor;

/** The head's input: one source as is, several flattened and concatenated. */
function headInput(name: string, head: HeadConfig, outputs: Map<string, Sym>): Sym {
  const xs = sourcesOf(head).map((s) => outputs.get(s)!);
  if (xs.length === 1) return xs[0];
  const flat = xs.map((x, i) =>
    x.shape.length > 2 ? (tf.layers.flatten({ name: `${name}/in${i}_flatten` }).apply(x) as Sym) : x,
  );
  return tf.layers.concatenate({ name: `${name}/concat` }).apply(flat) as Sym;
}

/** Builds a head's layers on the outputs so far; returns its output (undefined for retrieve). */
export function buildHead(
  name: string,
  head: HeadConfig,
  outputs: Map<string, Sym>,
  config: AmalgamConfig,
): Sym | undefined {
  if (head.task === 'retrieve') return undefined;
  const sources = sourcesOf(head);
  let x = headInput(name, head, outputs);
  const ctx = { prefix: name, index: { n: 0 } };
  const classes = config.representations.logits.units;

  // A classify head straight on logits or probs, with no layers of its own, *is* that distribution:
  // training it trains the representations (the seed's "conditional distribution" outputs).
  if (
    head.task === 'classify' &&
    !head.layers?.length &&
    sources.length === 1 &&
    (sources[0] === 'logits' || sources[0] === 'probs')
  ) {
    if (head.units !== undefined && head.units !== classes)
      throw new ModelError(`head "${name}": units ${head.units} differs from logits' ${classes} classes`);
    const activation = sources[0] === 'logits' ? 'softmax' : 'linear';
    return tf.layers.activation({ name, activation }).apply(x) as Sym;
  }
  x = applyBlocks(x, head.layers ?? [], ctx);
  if (x.shape.length > 2 && head.task !== 'reconstruct')
    x = tf.layers.flatten({ name: `${name}/flatten` }).apply(x) as Sym;
  switch (head.task) {
    case 'classify': {
      const units = head.units ?? (sources.some((s) => s === 'logits' || s === 'probs') ? classes : undefined);
      if (!units) throw new ModelError(`head "${name}": a classify head needs units (its number of classes)`);
      return tf.layers.dense({ name, units, activation: 'softmax' }).apply(x) as Sym;
    }
    case 'multilabel':
      if (!head.units) throw new ModelError(`head "${name}": a multilabel head needs units (its number of labels)`);
      return tf.layers.dense({ name, units: head.units, activation: 'sigmoid' }).apply(x) as Sym;
    case 'regress':
      return tf.layers.dense({ name, units: head.units ?? 1, activation: 'linear' }).apply(x) as Sym;
    case 'reconstruct': {
      // A decoder back to the input: hidden dense layers (default one of 256), then the input's shape.
      if (x.shape.length > 2) x = tf.layers.flatten({ name: `${name}/flatten` }).apply(x) as Sym;
      if (!head.layers?.length)
        x = tf.layers.dense({ name: `${name}/${ctx.index.n++}_dense`, units: 256, activation: 'relu' }).apply(x) as Sym;
      const size = config.input.reduce((a, b) => a * b, 1);
      const y = tf.layers.dense({ name: `${name}/out`, units: size, activation: 'sigmoid' }).apply(x) as Sym;
      return tf.layers.reshape({ name, targetShape: config.input }).apply(y) as Sym;
    }
  }
  throw new ModelError(`head "${name}": unknown task ${head.task}`);
}
