/** Decodes a source map's `mappings` (VLQ) into per-line segments: generated column -> source line/column. */
export interface Segment {
  col: number;
  srcLine: number;
  srcCol: number;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

function decodeVlq(text: string): number[] {
  const out: number[] = [];
  let value = 0,
    shift = 0;
  for (const ch of text) {
    const digit = B64_INDEX.get(ch)!;
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

export function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let srcLine = 0,
    srcCol = 0;
  for (const line of mappings.split(';')) {
    const segs: Segment[] = [];
    let col = 0;
    for (const part of line.split(',')) {
      if (!part) continue;
      const v = decodeVlq(part);
      col += v[0];
      if (v.length >= 4) {
        srcLine += v[2];
        srcCol += v[3];
        segs.push({ col, srcLine, srcCol });
      }
    }
    lines.push(segs);
  }
  return lines;
}

/** Maps a 0-based generated position to the 0-based source position (nearest segment at or before it). */
export function mapPosition(lines: Segment[][], line: number, col: number): { line: number; col: number } {
  const segs = lines[line];
  if (!segs?.length) return { line, col };
  let best = segs[0];
  for (const s of segs)
    if (s.col <= col) best = s;
    else break;
  return { line: best.srcLine, col: best.srcCol + Math.max(0, col - best.col) };
}
