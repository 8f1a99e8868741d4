import { deflateSync } from 'node:zlib';

/** The kernel's logo, drawn here so the kernelspec needs no binary files or image tools. */
export const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
<rect width="64" height="64" rx="12" fill="#3178c6"/>
<circle cx="22" cy="40" r="10" fill="#ff6f00"/><circle cx="42" cy="40" r="10" fill="#ffd54f" fill-opacity="0.9"/>
<circle cx="32" cy="22" r="10" fill="#ffffff" fill-opacity="0.9"/></svg>`;

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** The same three circles on a blue rounded square, as an RGBA PNG of `size`×`size`. */
export function logoPng(size: number): Buffer {
  const s = size / 64;
  const circles: [number, number, number, [number, number, number]][] = [
    [22, 40, 10, [255, 111, 0]],
    [42, 40, 10, [255, 213, 79]],
    [32, 22, 10, [255, 255, 255]],
  ];
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const px = (x + 0.5) / s,
        py = (y + 0.5) / s;
      const corner = Math.max(0, Math.abs(px - 32) - 20) ** 2 + Math.max(0, Math.abs(py - 32) - 20) ** 2 > 144;
      let rgba = corner ? [0, 0, 0, 0] : [49, 120, 198, 255];
      for (const [cx, cy, r, rgb] of circles) if ((px - cx) ** 2 + (py - cy) ** 2 <= r * r) rgba = [...rgb, 255];
      raw.set(rgba, y * (size * 4 + 1) + 1 + x * 4);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
