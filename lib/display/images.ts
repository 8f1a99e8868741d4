// Pixel images as PNG: thumbnails as data URIs for tables and tooltips, encoded here (zlib only), no canvas, no network.
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** An 8-bit PNG (grey, or RGB for 3 channels) from pixels in row-major h × w × c order, 0..255. */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Buffer {
  const stride = width * channels;
  const raw = new Uint8Array((stride + 1) * height); // one filter byte (0 = none) per row
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 3 ? 2 : 0;
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

export interface ImageBatch {
  data: ArrayLike<number>;
  /** [n, h, w, c] (or [n, h, w]). */
  shape: number[];
}

/**
 * Data-URI PNG thumbnails of images `indices`, downscaled by an integer `factor` (box filter).
 * Float images in [0, 1] and 8-bit images in [0, 255] are both accepted.
 */
export function thumbnails(images: ImageBatch, indices: readonly number[], factor = 1): string[] {
  const [, h, w, c0] = images.shape;
  const c = c0 ?? 1;
  const channels: 1 | 3 = c >= 3 ? 3 : 1;
  let max = 0;
  for (let i = 0; i < Math.min(images.data.length, 4096); i++) if (images.data[i] > max) max = images.data[i];
  const scale = max <= 1.0001 ? 255 : 1;
  const th = Math.max(1, Math.floor(h / factor)),
    tw = Math.max(1, Math.floor(w / factor));
  const px = new Uint8Array(th * tw * channels);
  return indices.map((n) => {
    const base = n * h * w * c;
    for (let y = 0; y < th; y++)
      for (let x = 0; x < tw; x++)
        for (let ch = 0; ch < channels; ch++) {
          let s = 0;
          for (let dy = 0; dy < factor; dy++)
            for (let dx = 0; dx < factor; dx++)
              s += Number(images.data[base + ((y * factor + dy) * w + (x * factor + dx)) * c + ch]);
          px[(y * tw + x) * channels + ch] = Math.max(0, Math.min(255, Math.round((s / (factor * factor)) * scale)));
        }
    return `data:image/png;base64,${encodePng(px, tw, th, channels).toString('base64')}`;
  });
}

/**
 * A tiny bar chart (a sparkline) as a data-URI PNG, drawn straight into pixels: no renderer, and
 * unlike inline SVG it survives nbconvert's HTML export and untrusted notebooks.
 */
export function barsPng(
  counts: readonly number[],
  width = 100,
  height = 24,
  rgb: [number, number, number] = [76, 120, 168],
): string {
  const px = new Uint8Array(width * height * 3).fill(255);
  const max = Math.max(0, ...counts);
  const bw = width / Math.max(counts.length, 1);
  counts.forEach((c, i) => {
    const bh = max ? Math.max(c ? 1 : 0, Math.round((c / max) * height)) : 0;
    const x0 = Math.round(i * bw);
    const x1 = Math.max(x0 + 1, Math.round((i + 1) * bw) - 1);
    for (let y = height - bh; y < height; y++)
      for (let x = x0; x < x1 && x < width; x++) px.set(rgb, (y * width + x) * 3);
  });
  return `data:image/png;base64,${encodePng(px, width, height, 3).toString('base64')}`;
}
