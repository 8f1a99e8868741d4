// Blocks: plain-object configs turned into tfjs layers. Each block is one small function; a bottom
// or a head's hidden layers are a list of them. Layer names carry the component's name so weights
// can be found by component (`bottom/2_conv`, `species/0_dense`).
import * as tf from '@tensorflow/tfjs';
import type { BlockConfig } from './config';
import { ModelError } from './errors';

type Sym = tf.SymbolicTensor;
export interface BlockContext {
  prefix: string;
  index: { n: number };
}

const name = (ctx: BlockContext, kind: string) => `${ctx.prefix}/${ctx.index.n++}_${kind}`;

function flattenIfNeeded(x: Sym, ctx: BlockContext): Sym {
  return x.shape.length > 2 ? (tf.layers.flatten({ name: name(ctx, 'flatten') }).apply(x) as Sym) : x;
}

function needsImage(x: Sym, kind: string, where: string): void {
  if (x.shape.length !== 4)
    throw new ModelError(
      `${where}: a ${kind} block needs an image tensor [height, width, channels], got shape [${x.shape.slice(1).join(', ')}]`,
    );
}

/** Applies one block config to `x`. */
export function applyBlock(x: Sym, block: BlockConfig, ctx: BlockContext): Sym {
  const keys = Object.keys(block);
  if (keys.length !== 1)
    throw new ModelError(
      `${ctx.prefix}: a block is an object with one key (conv, dense, pool, ...), got {${keys.join(', ')}}`,
    );
  const kind = keys[0];
  const c: any = (block as any)[kind] === true ? {} : ((block as any)[kind] ?? {});
  switch (kind) {
    case 'conv': {
      needsImage(x, 'conv', ctx.prefix);
      const y = tf.layers
        .conv2d({
          name: name(ctx, 'conv'),
          filters: c.filters,
          kernelSize: c.kernel ?? 3,
          strides: c.strides ?? 1,
          padding: c.padding ?? 'same',
          dilationRate: c.dilation ?? 1,
          useBias: !c.batchNorm,
          activation: c.batchNorm ? 'linear' : (c.activation ?? 'relu'),
          kernelInitializer: 'heNormal',
        })
        .apply(x) as Sym;
      if (!c.batchNorm) return y;
      const z = tf.layers.batchNormalization({ name: name(ctx, 'bn') }).apply(y) as Sym;
      return tf.layers.activation({ name: name(ctx, 'act'), activation: c.activation ?? 'relu' }).apply(z) as Sym;
    }
    case 'depthwise':
      needsImage(x, 'depthwise', ctx.prefix);
      return tf.layers
        .depthwiseConv2d({
          name: name(ctx, 'depthwise'),
          kernelSize: c.kernel ?? 3,
          strides: c.strides ?? 1,
          padding: c.padding ?? 'same',
          activation: c.activation ?? 'relu',
        })
        .apply(x) as Sym;
    case 'residual': {
      needsImage(x, 'residual', ctx.prefix);
      const k = c.kernel ?? 3;
      let y = tf.layers
        .conv2d({
          name: name(ctx, 'conv'),
          filters: c.filters,
          kernelSize: k,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: 'heNormal',
        })
        .apply(x) as Sym;
      y = tf.layers
        .conv2d({
          name: name(ctx, 'conv'),
          filters: c.filters,
          kernelSize: k,
          padding: 'same',
          kernelInitializer: 'heNormal',
        })
        .apply(y) as Sym;
      const shortcut =
        x.shape[3] === c.filters
          ? x
          : (tf.layers
              .conv2d({ name: name(ctx, 'project'), filters: c.filters, kernelSize: 1, padding: 'same' })
              .apply(x) as Sym);
      const sum = tf.layers.add({ name: name(ctx, 'add') }).apply([y, shortcut]) as Sym;
      return tf.layers.activation({ name: name(ctx, 'relu'), activation: 'relu' }).apply(sum) as Sym;
    }
    case 'pool': {
      needsImage(x, 'pool', ctx.prefix);
      const opts = {
        name: name(ctx, `${c.kind ?? 'max'}pool`),
        poolSize: c.size ?? 2,
        strides: c.strides ?? c.size ?? 2,
      };
      return ((c.kind ?? 'max') === 'max' ? tf.layers.maxPooling2d(opts) : tf.layers.averagePooling2d(opts)).apply(
        x,
      ) as Sym;
    }
    case 'globalPool': {
      needsImage(x, 'globalPool', ctx.prefix);
      const opts = { name: name(ctx, `global${c.kind ?? 'avg'}pool`) };
      return (
        (c.kind ?? 'avg') === 'max' ? tf.layers.globalMaxPooling2d(opts) : tf.layers.globalAveragePooling2d(opts)
      ).apply(x) as Sym;
    }
    case 'dense':
      if (!(c.units > 0)) throw new ModelError(`${ctx.prefix}: a dense block needs units > 0, got ${c.units}`);
      return tf.layers
        .dense({
          name: name(ctx, 'dense'),
          units: c.units,
          activation: c.activation ?? 'relu',
          kernelInitializer: 'glorotUniform',
        })
        .apply(flattenIfNeeded(x, ctx)) as Sym;
    case 'dropout':
      return tf.layers.dropout({ name: name(ctx, 'dropout'), rate: c.rate }).apply(x) as Sym;
    case 'batchNorm':
      return tf.layers.batchNormalization({ name: name(ctx, 'bn') }).apply(x) as Sym;
    case 'flatten':
      return flattenIfNeeded(x, ctx);
    case 'group': {
      let y = x;
      for (let r = 0; r < (c.repeat ?? 1); r++) for (const b of c.blocks ?? []) y = applyBlock(y, b, ctx);
      return y;
    }
    default:
      throw new ModelError(
        `${ctx.prefix}: unknown block kind "${kind}" (known: conv, depthwise, residual, pool, globalPool, dense, dropout, batchNorm, flatten, group)`,
      );
  }
}

export function applyBlocks(x: Sym, blocks: BlockConfig[], ctx: BlockContext): Sym {
  for (const b of blocks) x = applyBlock(x, b, ctx);
  return x;
}

/** Typed constructors for block configs, so cells can write `blocks.conv(32)` instead of an object. */
export const blocks = {
  conv: (
    filters: number,
    options: Omit<Extract<BlockConfig, { conv: unknown }>['conv'], 'filters'> = {},
  ): BlockConfig => ({ conv: { filters, ...options } }),
  depthwise: (options: Extract<BlockConfig, { depthwise: unknown }>['depthwise'] = {}): BlockConfig => ({
    depthwise: options,
  }),
  residual: (filters: number, options: { kernel?: number } = {}): BlockConfig => ({
    residual: { filters, ...options },
  }),
  pool: (size = 2, kind: 'max' | 'avg' = 'max'): BlockConfig => ({ pool: { size, kind } }),
  globalPool: (kind: 'max' | 'avg' = 'avg'): BlockConfig => ({ globalPool: { kind } }),
  dense: (units: number, activation = 'relu'): BlockConfig => ({ dense: { units, activation } }),
  dropout: (rate: number): BlockConfig => ({ dropout: { rate } }),
  batchNorm: (): BlockConfig => ({ batchNorm: {} }),
  flatten: (): BlockConfig => ({ flatten: {} }),
  group: (blocks: BlockConfig[], repeat = 1): BlockConfig => ({ group: { blocks, repeat } }),
};
