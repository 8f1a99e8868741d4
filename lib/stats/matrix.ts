// Samples as dense row-major matrices (one row per example), the shape the drift tests read.
export interface Sample {
  data: Float32Array | Float64Array;
  rows: number;
  cols: number;
}

/** Column `c` of a sample, as doubles. */
export function column(s: Sample, c: number): Float64Array {
  const out = new Float64Array(s.rows);
  for (let i = 0; i < s.rows; i++) out[i] = s.data[i * s.cols + c];
  return out;
}
