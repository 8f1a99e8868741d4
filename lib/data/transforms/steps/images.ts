// images: a dataset's pixels scaled (by the largest pixel value, or standardized) and optionally reshaped.
import { aq } from '../../aq';
import { Dataset, IMAGE_COLUMN } from '../../dataset';
import { DataError } from '../../errors';
import type { StepDefinition } from './step';

export type ImagesSpec = { type: 'images'; scale?: 'max' | 'standardize'; shape?: [number, number, number] };

export const images: StepDefinition<ImagesSpec, { scale: number; offset: number }> = {
  type: 'images',
  fit(spec, data) {
    const img = data instanceof Dataset ? data.images : undefined;
    if (!img) throw new DataError('pipeline step images: the data has no images (use a Dataset from loadDataset)');
    if ((spec.scale ?? 'max') === 'max') return { scale: 1 / (img.max ?? 255), offset: 0 };
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < img.data.length; i++) {
      sum += img.data[i];
      sq += img.data[i] ** 2;
    }
    const mu = sum / img.data.length;
    const sd = Math.sqrt(Math.max(sq / img.data.length - mu * mu, 0)) || 1;
    return { scale: 1 / sd, offset: -mu / sd };
  },
  apply(spec, f, data) {
    // Tables without images (rows a client sends a server, say) pass through unchanged.
    if (!(data instanceof Dataset) || !data.images) return data;
    const img = data.images;
    const [n, h, w, c] = img.shape;
    const shape = spec.shape ?? [h, w, c];
    const size = shape[0] * shape[1] * shape[2];
    if (size !== h * w * c)
      throw new DataError(`pipeline step images: cannot reshape ${h}×${w}×${c} images to ${shape.join('×')}`);
    const out = new Float32Array(img.data.length);
    for (let i = 0; i < out.length; i++) out[i] = img.data[i] * f.scale + f.offset;
    const rows = Array.from({ length: n }, (_, i) => out.subarray(i * size, (i + 1) * size));
    const result = data.assign(aq.table({ [IMAGE_COLUMN]: rows })) as unknown as Dataset;
    result.info = { ...data.info, image: { shape, max: 1 } };
    return result as unknown as typeof data;
  },
};
