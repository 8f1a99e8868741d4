import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { closest } from '../util/text';
import { aq } from './aq';
import { Dataset, type LoadDatasetOptions } from './dataset';
import { DataError } from './errors';
import { PACKAGE_ROOT } from '../util/package';
import { readVerified } from './files';
import { parseIdx } from './loaders/idx';
import { columnArray } from './table';

export type { DatasetImages, DatasetInfo, LoadDatasetOptions } from './dataset';
export { Dataset } from './dataset';

interface ManifestFile {
  name: string;
  sha256: string;
  bytes?: number;
}
interface ManifestEntry {
  name: string;
  aliases: string[];
  kind: 'tabular' | 'images';
  description: string;
  files: ManifestFile[];
  rows: number;
  columns: string[];
  label?: string;
  classes?: string[];
  shape?: number[];
  max?: number;
  coarse?: { classes: string[]; of: number[] };
  full?: { dir: string; rows: number; package: string; files: ManifestFile[] };
  license: string;
  source: string;
}

/** The datasets folder: $AMALGAM_DATASETS when set (tests, relocated installs), else the package's datasets/. */
export function datasetsDir(): string {
  return process.env.AMALGAM_DATASETS || join(PACKAGE_ROOT, 'datasets');
}

const manifests = new Map<string, ManifestEntry[]>();
export function manifest(): ManifestEntry[] {
  const dir = datasetsDir();
  let entries = manifests.get(dir);
  if (!entries)
    manifests.set(
      dir,
      (entries = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).datasets as ManifestEntry[]),
    );
  return entries;
}

export function listDatasets(): { name: string; description: string; rows: number }[] {
  return manifest().map((d) => ({ name: d.name, description: d.description, rows: d.rows }));
}

function findEntry(name: string): ManifestEntry {
  const key = name.toLowerCase();
  const entry = manifest().find((d) => d.name === key || d.aliases.includes(key));
  if (entry) return entry;
  const names = manifest().flatMap((d) => [d.name, ...d.aliases]);
  const near = closest(name, names);
  throw new DataError(
    `unknown dataset "${name}"${near ? ` (did you mean "${near}"?)` : ''}; known datasets: ${manifest()
      .map((d) => d.name)
      .join(', ')}`,
  );
}

/** Row indices 0..n-1, or `limit` of them evenly spaced. */
function pick(n: number, limit?: number): Int32Array {
  const k = limit === undefined ? n : Math.max(0, Math.min(n, Math.floor(limit)));
  return Int32Array.from({ length: k }, (_, i) => Math.floor((i * n) / k));
}

function takeImages(data: Uint8Array, size: number, rows: Int32Array): Uint8Array {
  const out = new Uint8Array(rows.length * size);
  rows.forEach((r, i) => out.set(data.subarray(r * size, (r + 1) * size), i * size));
  return out;
}

/** Shipped datasets by name: iris, digits, fashion-mnist (alias fashion). Files are sha256-checked. */
export async function loadDataset(name: string, options: LoadDatasetOptions = {}): Promise<Dataset> {
  if (options.limit !== undefined && !(options.limit >= 0))
    throw new DataError(`loadDataset: limit must be a non-negative number, got ${options.limit}`);
  const entry = findEntry(name);
  const dir = datasetsDir();
  const read = (f: ManifestFile) => readVerified(join(dir, f.name), f.sha256);
  const base = {
    name: entry.name,
    description: entry.description,
    label: entry.label,
    classes: entry.classes,
    files: [join(dir, entry.files[0].name)],
    source: 'shipped' as const,
    options: { ...options },
  };
  if (entry.name === 'iris') {
    let table = aq.fromCSV(read(entry.files[0]).toString('utf8'));
    if (options.limit !== undefined) table = table.reify(pick(table.numRows(), options.limit) as any);
    const columns = Object.fromEntries(table.columnNames().map((c) => [c, columnArray(table, c)]));
    return Dataset.of(columns, { ...base, categories: { species: entry.classes! } });
  }
  if (entry.name === 'digits') {
    const lines = gunzipSync(read(entry.files[0])).toString('utf8').trim().split('\n');
    const rows = pick(lines.length, options.limit);
    const images = new Uint8Array(rows.length * 64);
    const label = new Int32Array(rows.length);
    rows.forEach((r, i) => {
      const values = lines[r].split(',');
      for (let p = 0; p < 64; p++) images[i * 64 + p] = Number(values[p]);
      label[i] = Number(values[64]);
    });
    return Dataset.of(
      { label },
      { ...base, categories: { label: entry.classes! }, image: { shape: [8, 8, 1], max: entry.max ?? 16 } },
      images,
    );
  }
  return loadFashion(entry, dir, options);
}

function loadFashion(entry: ManifestEntry, dir: string, options: LoadDatasetOptions): Dataset {
  const full =
    entry.full && !options.subset && existsSync(join(entry.full.dir, entry.full.files[0].name))
      ? entry.full
      : undefined;
  const files = full
    ? full.files.map((f) => ({ ...f, path: join(full.dir, f.name) }))
    : entry.files.map((f) => ({ ...f, path: join(dir, f.name) }));
  const parse = (i: number) => parseIdx(readVerified(files[i].path, files[i].sha256), { file: files[i].path });
  const parts: { split: string; images: Uint8Array; labels: Uint8Array; rows: Int32Array }[] = [];
  for (const [split, at] of [
    ['train', 0],
    ['test', 2],
  ] as const) {
    const images = parse(at);
    const labels = parse(at + 1);
    if (images.shape[0] !== labels.shape[0])
      throw new DataError(
        `${files[at].path}: ${images.shape[0]} images but ${labels.shape[0]} labels in ${files[at + 1].path}`,
      );
    parts.push({
      split,
      images: images.data as Uint8Array,
      labels: labels.data as Uint8Array,
      rows: pick(images.shape[0], options.limit),
    });
  }
  const n = parts.reduce((s, p) => s + p.rows.length, 0);
  const label = new Int32Array(n);
  const coarse = new Int32Array(n);
  const split: string[] = new Array(n);
  const images = new Uint8Array(n * 784);
  let at = 0;
  for (const p of parts) {
    images.set(takeImages(p.images, 784, p.rows), at * 784);
    p.rows.forEach((r) => {
      label[at] = p.labels[r];
      coarse[at] = entry.coarse!.of[p.labels[r]];
      split[at++] = p.split;
    });
  }
  return Dataset.of(
    { label, coarse, split },
    {
      name: entry.name,
      description: full
        ? `Fashion-MNIST, full ${full.rows.toLocaleString('en-US')} images from Debian's ${full.package} (${full.dir})`
        : entry.description,
      label: 'label',
      classes: entry.classes,
      splitColumn: 'split',
      categories: { label: entry.classes!, coarse: entry.coarse!.classes },
      source: full ? 'system' : 'shipped',
      files: files.map((f) => f.path),
      options: { ...options },
      image: { shape: [28, 28, 1], max: entry.max ?? 255 },
    },
    images,
  );
}
