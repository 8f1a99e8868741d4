// The drift tests against known distributions: KS against scipy 1.17's values and the Kolmogorov
// distribution's known quantiles; MMD² against its closed form for Gaussians, and both tests'
// false-alarm rate under "same distribution" and power under a shift.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seed } from '../../dist/lib/random.js';
import { kolmogorovQ, ksPerDimension, ksTwoSample, mmdTest } from '../../dist/lib/stats/index.js';

/** Seeded normal rows (Box-Muller on a small LCG, independent of the library's generator). */
function normals(rows, cols, { mean = 0, sd = 1, seed: s = 1 } = {}) {
  let state = s * 2654435761;
  const u = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state + 0.5) / 2147483648;
  };
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++)
    data[i] = mean + sd * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return { data, rows, cols };
}

test('Kolmogorov Q matches its known values (scipy kstwobign.sf)', () => {
  assert.ok(Math.abs(kolmogorovQ(1.358) - 0.050027) < 1e-5);
  assert.ok(Math.abs(kolmogorovQ(1.0) - 0.27) < 1e-5);
  assert.ok(Math.abs(kolmogorovQ(0.5) - 0.963945) < 1e-5);
  assert.equal(kolmogorovQ(0), 1);
  assert.ok(kolmogorovQ(3) < 1e-7);
});

test('two-sample KS: statistic exactly scipy ks_2samp, p-value within 10% of its asymptotic one', () => {
  const a = Array.from({ length: 40 }, (_, i) => Math.sin(i * 1.7) * 2);
  const b = Array.from({ length: 55 }, (_, i) => Math.cos(i * 0.9) * 2 + 0.8);
  const r = ksTwoSample(a, b);
  assert.ok(Math.abs(r.statistic - 0.3090909090909091) < 1e-12, String(r.statistic));
  assert.ok(Math.abs(r.pValue / 0.018942066862210782 - 1) < 0.1, String(r.pValue));
  const c = Array.from({ length: 30 }, (_, i) => i / 30);
  const d = Array.from({ length: 25 }, (_, i) => (i / 25) ** 2);
  const r2 = ksTwoSample(c, d);
  assert.ok(Math.abs(r2.statistic - 0.2866666666666667) < 1e-12, String(r2.statistic));
  assert.ok(Math.abs(r2.pValue / 0.16393880325929533 - 1) < 0.1, String(r2.pValue));
  assert.equal(ksTwoSample([1, 2, 3], [1, 2, 3]).statistic, 0);
  assert.throws(() => ksTwoSample([], [1]), /at least one value/);
});

test('per-dimension KS with Bonferroni: quiet under the same distribution, finds the one shifted dimension', () => {
  let alarms = 0;
  for (let t = 0; t < 40; t++)
    if (ksPerDimension(normals(200, 8, { seed: 10 + t }), normals(200, 8, { seed: 100 + t })).pValue < 0.05) alarms++;
  assert.ok(alarms <= 5, `${alarms} of 40 false alarms at α = 0.05`);
  const x = normals(300, 8, { seed: 3 });
  const y = normals(300, 8, { seed: 4 });
  for (let i = 0; i < y.rows; i++) y.data[i * 8 + 5] += 0.6; // dimension 5 moves by 0.6 σ
  const r = ksPerDimension(x, y);
  assert.equal(r.dimension, 5);
  assert.ok(r.pValue < 1e-4, String(r.pValue));
  assert.ok(r.pValue >= r.dims[5].pValue, 'the correction only raises p');
});

test('MMD²: near its closed form for N(0,1) against N(μ,1), calibrated under H0, powerful under a shift', () => {
  // Population MMD² for 1-D Gaussians, kernel bandwidth σ: 2 √(σ²/(σ²+2)) (1 − exp(−μ²/(2(σ²+2)))).
  const sigma = 1;
  const mu = 1;
  const exact = 2 * Math.sqrt(sigma ** 2 / (sigma ** 2 + 2)) * (1 - Math.exp(-(mu ** 2) / (2 * (sigma ** 2 + 2))));
  const r = mmdTest(normals(600, 1, { seed: 5 }), normals(600, 1, { mean: mu, seed: 6 }), {
    bandwidth: sigma,
    permutations: 50,
  });
  assert.ok(Math.abs(r.mmd2 - exact) < 0.03, `${r.mmd2} vs ${exact}`);
  assert.ok(r.pValue <= 1 / 51 + 1e-12, 'no re-split reaches a real shift');
  let alarms = 0;
  const ps = [];
  for (let t = 0; t < 20; t++) {
    const h0 = mmdTest(normals(80, 4, { seed: 20 + t }), normals(80, 4, { seed: 60 + t }), { permutations: 100 });
    ps.push(h0.pValue);
    if (h0.pValue < 0.05) alarms++;
  }
  assert.ok(alarms <= 3, `${alarms} of 20 false alarms at α = 0.05 (p: ${ps.join(', ')})`);
  const shifted = mmdTest(normals(150, 4, { seed: 7 }), normals(150, 4, { mean: 0.5, seed: 8 }));
  assert.ok(shifted.pValue < 0.01, String(shifted.pValue));
  assert.ok(shifted.bandwidth > 0);
});

test('MMD is seeded: the same samples give the same p-value', () => {
  seed(1);
  const a = mmdTest(normals(50, 3, { seed: 1 }), normals(50, 3, { mean: 0.2, seed: 2 }));
  seed(1);
  const b = mmdTest(normals(50, 3, { seed: 1 }), normals(50, 3, { mean: 0.2, seed: 2 }));
  assert.deepEqual(a, b);
  assert.throws(() => mmdTest(normals(5, 2), normals(5, 3)), /2 columns against 3/);
});
