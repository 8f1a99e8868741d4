// A dataset is a table: an arquero ColumnTable (every verb works and is typed) that also carries
// what it is (name, description, label and classes, split column, files) and, for image data, an
// `image` column whose values are each row's pixels. Verbs keep both: `fm.filter(d => d.label === 3)`
// is a dataset of those rows with their images.
import { inspect } from 'node:util';
import { DISPLAY_SYMBOL, type MimeBundle } from '../display/bundle';
import { thumbnails } from '../display/images';
import { aq, type ColumnTable } from './aq';
import { arqueroGrid, type Grid, gridBundle, gridText, shapeText, shownPositions } from './render';
import { columnArray } from './table';

/** The column holding each row's image (a Uint8Array of h × w × c pixels). */
export const IMAGE_COLUMN = 'image';

/** Images aligned with a table's rows: [n, height, width, channels], raw pixel values up to `max`. */
export interface DatasetImages {
  data: Uint8Array | Float32Array;
  shape: [number, number, number, number];
  /** The largest possible pixel value (255 for Fashion-MNIST, 16 for digits); toTensors divides by it. */
  max?: number;
}

export interface LoadDatasetOptions {
  /** At most this many rows (per split when the dataset has one), evenly spaced so classes stay mixed. */
  limit?: number;
  /** fashion-mnist: use the shipped subset even when the full Debian dataset is installed. */
  subset?: boolean;
}

export interface DatasetInfo {
  name: string;
  description: string;
  /** The label column's name. */
  label?: string;
  /** Class names of `label`, in index order. */
  classes?: string[];
  /** Class names of every categorical target column (label, coarse, ...), in index order. */
  categories?: Record<string, string[]>;
  /** The column holding 'train' | 'test' when the dataset ships a split. */
  splitColumn?: string;
  /** Where the rows came from: 'shipped' (datasets/ in the repository) or 'system' (a Debian package). */
  source: 'shipped' | 'system';
  /** Files read, for lineage. */
  files: string[];
  /** What loadDataset was asked for, so the same rows can be loaded again (retraining). */
  options?: LoadDatasetOptions;
  /** Shape [height, width, channels] of each image in the `image` column, and the largest pixel value. */
  image?: { shape: [number, number, number]; max: number };
}

type Columns = Record<string, ArrayLike<unknown>>;
const ColumnTableClass = aq.ColumnTable as unknown as new (
  columns: Columns,
  names?: string[],
  ...rest: unknown[]
) => ColumnTable;

export class Dataset extends ColumnTableClass {
  declare info: DatasetInfo;
  #images?: DatasetImages;

  /** A dataset of these columns; `images` (pixels of every row, back to back) become the `image` column. */
  static of(columns: Columns, info: DatasetInfo, images?: Uint8Array | Float32Array): Dataset {
    const all: Columns = { ...columns };
    if (images && info.image) {
      const size = info.image.shape.reduce((a, b) => a * b, 1);
      const n = images.length / size;
      all[IMAGE_COLUMN] = Array.from({ length: n }, (_, i) => images.subarray(i * size, (i + 1) * size));
    }
    const ds = new Dataset(all, Object.keys(all));
    ds.info = info;
    return ds;
  }

  /** arquero builds every verb's result with create(): the result is a dataset with the same info. */
  create(options?: Parameters<ColumnTable['create']>[0]): this {
    const t = super.create(options) as this;
    t.info = this.info;
    return t;
  }

  get name(): string {
    return this.info.name;
  }
  get description(): string {
    return this.info.description;
  }
  get label(): string | undefined {
    return this.info.label;
  }
  get classes(): string[] | undefined {
    return this.info.classes;
  }
  get categories(): Record<string, string[]> | undefined {
    return this.info.categories;
  }
  get splitColumn(): string | undefined {
    return this.info.splitColumn && this.columnNames().includes(this.info.splitColumn)
      ? this.info.splitColumn
      : undefined;
  }
  get source(): DatasetInfo['source'] {
    return this.info.source;
  }
  get files(): string[] {
    return this.info.files;
  }
  /** The dataset itself: a dataset is a table (kept for code that reads `ds.table`). */
  get table(): this {
    return this;
  }

  /** Every row's image, in row order, as one [n, h, w, c] array (undefined without an image column). */
  get images(): DatasetImages | undefined {
    if (this.#images) return this.#images;
    const spec = this.info.image;
    if (!spec || !this.columnNames().includes(IMAGE_COLUMN)) return undefined;
    const rows = columnArray(this, IMAGE_COLUMN) as ArrayLike<Uint8Array>;
    const size = spec.shape[0] * spec.shape[1] * spec.shape[2];
    const n = rows.length;
    let data: Uint8Array | undefined;
    // Rows that still sit back to back in one buffer (an unfiltered dataset) are used without a copy.
    const first = rows[0];
    if (n && rows[n - 1]?.buffer === first.buffer && rows[n - 1].byteOffset === first.byteOffset + (n - 1) * size) {
      let contiguous = true;
      for (let i = 1; i < n && contiguous; i++) contiguous = rows[i].byteOffset === first.byteOffset + i * size;
      if (contiguous) data = new (first.constructor as Uint8ArrayConstructor)(first.buffer, first.byteOffset, n * size);
    }
    if (!data) {
      data = new (first.constructor as Uint8ArrayConstructor)(n * size);
      for (let i = 0; i < n; i++) data.set(rows[i], i * size);
    }
    this.#images = { data, shape: [n, ...spec.shape], max: spec.max };
    return this.#images;
  }

  /** One line on what this is: name, shape, label and classes, split, images. */
  summary(): string {
    const parts = [`${this.name}: ${shapeText({ rows: this.numRows(), columns: this.columnNames() })}`];
    if (this.label && this.columnNames().includes(this.label)) {
      const classes = this.classes;
      parts.push(
        `label ${this.label}${classes ? ` (${classes.length} classes: ${classes.slice(0, 4).join(', ')}${classes.length > 4 ? ', …' : ''})` : ''}`,
      );
    }
    const split = this.splitColumn;
    if (split) {
      const counts = new Map<unknown, number>();
      const values = columnArray(this, split);
      for (let i = 0; i < values.length; i++) counts.set(values[i], (counts.get(values[i]) ?? 0) + 1);
      parts.push(`${split} ${[...counts].map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(' / ')}`);
    }
    if (this.info.image && this.columnNames().includes(IMAGE_COLUMN))
      parts.push(`images ${this.info.image.shape.join('×')}`);
    return parts.join(' · ');
  }

  /** The table view: head and tail rows, the image column as thumbnails (HTML) or "28×28 image" (text). */
  private grid(thumbnail: boolean): Grid {
    const grid = arqueroGrid(this);
    grid.kind = 'dataset';
    grid.title = `Dataset ${this.summary()}`;
    grid.subtitle = this.description;
    const imageCol = grid.columns.indexOf(IMAGE_COLUMN);
    const spec = this.info.image;
    if (imageCol < 0 || !spec) return grid;
    const [h, w, ch] = spec.shape;
    const at = shownPositions(this);
    const cells = this.column(IMAGE_COLUMN) as unknown as { at(i: number): Uint8Array | Float32Array };
    grid.types[imageCol] = `image ${spec.shape.join('×')}`;
    grid.rich = (r, c) => {
      if (c !== imageCol) return undefined;
      if (!thumbnail) return `${h}×${w} image`;
      const [uri] = thumbnails({ data: cells.at(at(r)), shape: [1, h, w, ch] }, [0]);
      return {
        html: `<img src="${uri}" width="${w * (h <= 8 ? 3 : 1)}" alt="${h}×${w} image">`,
        text: `${h}×${w} image`,
      };
    };
    return grid;
  }

  [DISPLAY_SYMBOL](): MimeBundle {
    return gridBundle(this.grid(true));
  }

  /** console.log(ds) in plain Node: the same text table, never the column arrays. */
  [inspect.custom](): string {
    return gridText(this.grid(false));
  }
}

export function isDataset(value: unknown): value is Dataset {
  return value instanceof Dataset;
}
