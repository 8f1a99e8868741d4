// The public API as cells call it (arquero's test/types-test.ts as the model): every entry point
// takes the library's own inputs (datasets, arquero tables, danfo frames, tensors) without a cast.
// Cells are separated by `// ---`; test/types/api.test.mjs type-checks them and fails on any error.
import * as tf from '@tensorflow/tfjs';
import * as aq from 'arquero';
import * as dfd from 'danfojs-node';
import { amalgamate, blocks, data, display, model, prompt, registry, train, viz } from 'amalgam';
// ---
// Tables: arquero, danfo and a dataset all chart.
const t = aq.table({ a: [1, 2, 3], b: [3, 2, 1], g: ['x', 'y', 'x'] });
const frame = new dfd.DataFrame({ a: [1, 2, 3], b: [3, 2, 1] });
viz.scatter(t, 'a', 'b', { color: 'g' });
viz.scatter(frame, 'a', 'b');
viz.plot(t, 'a');
viz.histogram(t, 'a');
viz.bar(t, 'g');
viz.line([{ a: 1, b: 2 }], 'a', 'b');
// ---
// A dataset is a table: arquero verbs are typed and keep it a dataset.
const iris: data.Dataset = await data.loadDataset('iris');
const rows: number = iris.numRows();
const names: string[] = iris.columnNames();
const setosa: data.Dataset = iris.filter((d: any) => d.species === 'setosa');
const label: string | undefined = setosa.label;
const classes: string[] | undefined = setosa.classes;
viz.scatter(iris, 'sepal_length', 'petal_length', { color: 'species' });
const profile = data.describe(iris);
const parts: Record<string, data.Dataset> = data.split(iris, { stratify: 'species' });
const p = data.pipeline([{ type: 'standardize', columns: ['sepal_length'] }]).fit(parts.train);
const applied: data.Dataset = p.apply(parts.test);
const fromTable: aq.ColumnTable = p.apply(t.derive({ sepal_length: (d: any) => d.a }));
const tensors = data.toTensors(iris, { label: 'species' });
tensors.dispose();
// ---
// One data shape: fit, evaluate, predict and the latent view take a dataset, a table or {x, y}.
const m = amalgamate({
  input: [4],
  bottom: { blocks: [blocks.dense(8)] },
  representations: { latent_high: { units: 8 }, latent_low: { units: 2 }, logits: { units: 3 } },
  heads: { species: { from: 'logits', task: 'classify', target: 'species' } },
});
const numeric = iris.derive({
  species: aq.escape((d: any) => ['setosa', 'versicolor', 'virginica'].indexOf(d.species)),
});
const fitted: train.FitResult = await train.fit(m, numeric, { epochs: 1, live: false });
const x = tf.zeros([3, 4]);
await train.fit(m, { x, y: { species: [0, 1, 2] } }, { epochs: 1, live: false });
const ev: train.Evaluation = train.evaluate(m, numeric);
const out: Record<string, tf.Tensor> = m.predict(x, { outputs: ['latent_low', 'species'] });
const fromData: Record<string, tf.Tensor> = m.predict(numeric, { outputs: ['probs'] });
const chart: viz.VegaLiteSpec = await viz.latent(m, numeric, { rep: 'all', n: 50 });
await viz.latent(m, { x, y: { label: [0, 1, 2] } }, { rep: 'latent_low' });
// ---
// Representations are components by name.
m.freeze('latent_high', 'latent_low');
m.unfreeze('representations');
const comps: model.ComponentInfo[] = m.components();
const snap: model.ComponentSnapshot[] = m.snapshot();
// ---
// Callbacks: users pass their own.
const seen: number[] = [];
await train.fit(m, numeric, {
  epochs: 2,
  live: false,
  callbacks: [{ onEpochEnd: (epoch: number, logs: train.EpochLogs) => void seen.push(epoch, logs.monitor) }],
});
// ---
// Registry and display.
const saved: registry.SaveResult = registry.save(m, 'types_test', { registry: '/tmp/amalgam-types-registry' });
const back: model.Amalgamation = registry.load('types_test', { registry: '/tmp/amalgam-types-registry' });
await display(back);
await display(viz.trainingCurves(back.history));
const answer: string = prompt('ok? ');
