// Rebuilds the shipped dataset files and datasets/manifest.json from Debian's packages:
//   python3-sklearn (iris.csv, digits.csv.gz) and dataset-fashion-mnist (stratified subset).
// Usage: node datasets/make.mjs   (deterministic: same inputs, same bytes, same hashes)
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import seedrandom from 'seedrandom';

const here = dirname(fileURLToPath(import.meta.url));
const SKLEARN = '/usr/lib/python3/dist-packages/sklearn/datasets/data';
const FASHION = '/usr/share/datasets/fashion-mnist';
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
// mtime 0 in the gzip header so rebuilding gives identical bytes.
const gzip = (buf) => {
  const out = gzipSync(buf, { level: 9 });
  out.writeUInt32LE(0, 4);
  return out;
};

// iris: sklearn's file has a count header; ship a plain CSV with named columns and species names.
const irisLines = readFileSync(join(SKLEARN, 'iris.csv'), 'utf8').trim().split('\n');
const species = irisLines[0].split(',').slice(2);
const iris =
  [
    'sepal_length,sepal_width,petal_length,petal_width,species',
    ...irisLines.slice(1).map((l) => {
      const f = l.split(',');
      return [...f.slice(0, 4), species[Number(f[4])]].join(',');
    }),
  ].join('\n') + '\n';
writeFileSync(join(here, 'iris.csv'), iris);

// digits: sklearn's CSV (64 pixels 0..16, then the label), shipped as is.
const digits = readFileSync(join(SKLEARN, 'digits.csv.gz'));
writeFileSync(join(here, 'digits.csv.gz'), digits);

// fashion-mnist: per class, a seeded sample of 1,000 train and 200 test images, kept in source order.
function idx(buf) {
  const raw = gunzipSync(buf);
  const dims = raw[3];
  const shape = Array.from({ length: dims }, (_, i) => raw.readUInt32BE(4 + 4 * i));
  return { header: raw.subarray(0, 4 + 4 * dims), body: raw.subarray(4 + 4 * dims), shape };
}
function subset(split, perClass) {
  const images = idx(readFileSync(join(FASHION, `${split}-images-idx3-ubyte.gz`)));
  const labels = idx(readFileSync(join(FASHION, `${split}-labels-idx1-ubyte.gz`)));
  const rng = seedrandom(`fashion-mnist:${split}`);
  const byClass = Array.from({ length: 10 }, () => []);
  labels.body.forEach((label, i) => byClass[label].push(i));
  const picked = byClass
    .flatMap((rows) => {
      for (let i = rows.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [rows[i], rows[j]] = [rows[j], rows[i]];
      }
      return rows.slice(0, perClass);
    })
    .sort((a, b) => a - b);
  const px = 28 * 28;
  const imgOut = Buffer.alloc(16 + picked.length * px);
  imgOut.writeUInt32BE(0x00000803, 0);
  imgOut.writeUInt32BE(picked.length, 4);
  imgOut.writeUInt32BE(28, 8);
  imgOut.writeUInt32BE(28, 12);
  const labOut = Buffer.alloc(8 + picked.length);
  labOut.writeUInt32BE(0x00000801, 0);
  labOut.writeUInt32BE(picked.length, 4);
  picked.forEach((row, k) => {
    images.body.copy(imgOut, 16 + k * px, row * px, (row + 1) * px);
    labOut[8 + k] = labels.body[row];
  });
  const prefix = split === 'train' ? 'train' : 't10k';
  writeFileSync(join(here, `fashion-mnist-${prefix}-images-idx3-ubyte.gz`), gzip(imgOut));
  writeFileSync(join(here, `fashion-mnist-${prefix}-labels-idx1-ubyte.gz`), gzip(labOut));
  return picked.length;
}
const trainRows = subset('train', 1000);
const testRows = subset('t10k', 200);

const file = (name) => ({
  name,
  sha256: sha256(readFileSync(join(here, name))),
  bytes: readFileSync(join(here, name)).length,
});
const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
const manifest = {
  datasets: [
    {
      name: 'iris',
      aliases: [],
      kind: 'tabular',
      description: "Fisher's iris: 150 flowers, 4 measurements (cm), 3 species",
      files: [file('iris.csv')],
      rows: 150,
      columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species'],
      label: 'species',
      classes: species,
      license: 'CC BY 4.0 (UCI Machine Learning Repository); file from scikit-learn (BSD-3-Clause)',
      source: 'Debian python3-sklearn: sklearn/datasets/data/iris.csv',
    },
    {
      name: 'digits',
      aliases: [],
      kind: 'images',
      description: 'Handwritten digits: 1,797 images, 8×8 grayscale (0..16), labels 0-9',
      files: [file('digits.csv.gz')],
      rows: 1797,
      columns: ['label'],
      shape: [8, 8, 1],
      max: 16,
      label: 'label',
      classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      license: 'CC BY 4.0 (UCI Optical Recognition of Handwritten Digits); file from scikit-learn (BSD-3-Clause)',
      source: 'Debian python3-sklearn: sklearn/datasets/data/digits.csv.gz',
    },
    {
      name: 'fashion-mnist',
      aliases: ['fashion'],
      kind: 'images',
      description: `Zalando Fashion-MNIST, 28×28 grayscale, 10 classes; shipped: stratified ${trainRows.toLocaleString('en-US')} train / ${testRows.toLocaleString('en-US')} test subset (the full 60,000 / 10,000 when Debian's dataset-fashion-mnist is installed)`,
      files: [
        file('fashion-mnist-train-images-idx3-ubyte.gz'),
        file('fashion-mnist-train-labels-idx1-ubyte.gz'),
        file('fashion-mnist-t10k-images-idx3-ubyte.gz'),
        file('fashion-mnist-t10k-labels-idx1-ubyte.gz'),
      ],
      rows: trainRows + testRows,
      columns: ['label', 'coarse', 'split'],
      shape: [28, 28, 1],
      max: 255,
      label: 'label',
      classes: FASHION_CLASSES,
      coarse: { classes: ['tops', 'bottoms', 'footwear', 'bags'], of: [0, 1, 0, 0, 0, 2, 0, 2, 3, 2] },
      // The full set, used when Debian's package is installed; checked like shipped files.
      full: {
        dir: FASHION,
        rows: 70000,
        package: 'dataset-fashion-mnist',
        files: [
          'train-images-idx3-ubyte.gz',
          'train-labels-idx1-ubyte.gz',
          't10k-images-idx3-ubyte.gz',
          't10k-labels-idx1-ubyte.gz',
        ].map((name) => ({ name, sha256: sha256(readFileSync(join(FASHION, name))) })),
      },
      license: 'MIT (Zalando SE)',
      source:
        'Debian dataset-fashion-mnist (https://github.com/zalandoresearch/fashion-mnist); subset: seeded per-class sample, datasets/make.mjs',
    },
  ],
};
writeFileSync(join(here, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(
  manifest.datasets
    .map((d) => `${d.name}: ${d.rows} rows, ${d.files.reduce((s, f) => s + f.bytes, 0)} bytes`)
    .join('\n'),
);
