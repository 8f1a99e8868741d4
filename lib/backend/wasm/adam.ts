import * as tf from '@tensorflow/tfjs';
import { native } from './native';
import type { Info, KernelFn } from './util';

/** The fused kernel's name: one call per variable instead of tfjs's eleven (mul, add, square, div, sqrt...). */
export const ADAM_KERNEL = 'AmalgamAdam';

/**
 * One Adam step for one float32 variable in one C call (native/kernels.c `adam`): inputs x, m, v, g;
 * attrs beta1, beta2, c1 = 1 - beta1^t, c2 = 1 - beta2^t, epsilon, learningRate; outputs x', m', v'.
 */
export const adamKernel: KernelFn = ({ inputs, backend, attrs = {} }) => {
  const { x, m, v, g } = inputs as Record<string, Info>;
  const f = Math.fround;
  const xo = backend.makeOutput(x.shape, 'float32') as Info;
  const mo = backend.makeOutput(x.shape, 'float32') as Info;
  const vo = backend.makeOutput(x.shape, 'float32') as Info;
  const k = native(backend);
  const n = x.shape.reduce((a: number, b: number) => a * b, 1);
  k.adam(
    k.ptr(x),
    k.ptr(m),
    k.ptr(v),
    k.ptr(g),
    k.ptr(xo),
    k.ptr(mo),
    k.ptr(vo),
    n,
    // The scalars as tfjs makes them: float32 tensors of the double expressions.
    f(attrs.beta1),
    f(1 - attrs.beta1),
    f(attrs.beta2),
    f(1 - attrs.beta2),
    f(attrs.c1),
    f(attrs.c2),
    f(attrs.epsilon),
    f(-attrs.learningRate),
  );
  return [xo, mo, vo];
};

/** tfjs's optimizer as its own code sees it (its state fields are private in the typings). */
type Adam = Record<string, any>;
type Named = { name: string; tensor: tf.Tensor }[];
let patched = false;

/**
 * Routes tf.train.adam's update through the fused kernel while the wasm backend is active (every other
 * backend, or a variable that is not float32, keeps tfjs's own code). State stays where tfjs keeps it
 * (accumulatedFirstMoment / SecondMoment variables, accBeta1/2, iterations), so getWeights, setWeights,
 * saving and a later switch of backend see the same optimizer. The same float32 operations in the same
 * order: the weights match tfjs's update to rounding (test/backend/wasm-grid.test.mjs).
 */
export function patchAdam(): void {
  if (patched) return;
  patched = true;
  const proto = tf.AdamOptimizer.prototype as unknown as Adam;
  const own = proto.applyGradients;
  proto.applyGradients = function (this: Adam, variableGradients: tf.NamedTensorMap | Named) {
    const list = Array.isArray(variableGradients);
    const names = list
      ? (variableGradients as Named).map((v) => v.name)
      : Object.keys(variableGradients as tf.NamedTensorMap);
    const grad = (i: number) =>
      list ? (variableGradients as Named)[i].tensor : (variableGradients as tf.NamedTensorMap)[names[i]];
    const vars = tf.engine().registeredVariables;
    if (
      tf.getBackend() !== 'wasm' ||
      names.some((name, i) => vars[name]?.dtype !== 'float32' || (grad(i) != null && grad(i).dtype !== 'float32'))
    )
      return own.call(this, variableGradients);
    tf.tidy(() => {
      const f = Math.fround;
      const c1 = f(1 - this.accBeta1.dataSync()[0]),
        c2 = f(1 - this.accBeta2.dataSync()[0]);
      names.forEach((name, i) => {
        const value = vars[name];
        this.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        this.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        const g = grad(i);
        if (g == null) return;
        const m = this.accumulatedFirstMoment[i].variable as tf.Variable,
          v = this.accumulatedSecondMoment[i].variable as tf.Variable;
        const [x1, m1, v1] = tf.engine().runKernel(
          ADAM_KERNEL,
          { x: value, m, v, g },
          {
            beta1: this.beta1,
            beta2: this.beta2,
            c1,
            c2,
            epsilon: this.epsilon,
            learningRate: this.learningRate,
          },
        ) as tf.Tensor[];
        m.assign(m1);
        v.assign(v1);
        value.assign(x1);
      });
      this.accBeta1.assign(tf.mul(this.accBeta1, this.beta1));
      this.accBeta2.assign(tf.mul(this.accBeta2, this.beta2));
    });
    this.incrementIterations();
  };
}
