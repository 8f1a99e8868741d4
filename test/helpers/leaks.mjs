// The one tensor-leak check: what `fn` leaves allocated on the tfjs backend must be nothing.
import assert from 'node:assert/strict';
import tf from '@tensorflow/tfjs';

/** Runs `fn` (sync or async) and asserts tf.memory().numTensors is the same after as before. */
export async function withoutLeaks(fn, what = 'no leaked tensors') {
  const before = tf.memory().numTensors;
  const value = await fn();
  assert.equal(tf.memory().numTensors, before, `${what}: ${tf.memory().numTensors - before} tensors left`);
  return value;
}
