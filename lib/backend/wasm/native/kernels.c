// amalgam's own wasm kernels (wasm SIMD, single thread). Built by build.sh into a relocatable
// emscripten side module that imports the tfjs wasm backend's memory: every pointer here is an offset
// into tfjs's heap (a tensor's memoryOffset), so no data is copied in or out. No static data, no libc,
// no stack frames of note: the module needs nothing from tfjs but its memory (and a stack pointer the
// loader gives it should the compiler ask for one).
#include <wasm_simd128.h>

#define EXPORT __attribute__((used, visibility("default")))

// MaxPoolGrad for windows that do not overlap (stride >= window, no dilation), channels innermost
// (NHWC). Each window's gradient goes to the first position (row-major) holding its maximum, as the
// cpu backend picks it; positions outside every window get 0. Four channels at a time.
EXPORT void max_pool_grad(const float *x, const float *dy, float *dx, int n, int h, int w, int c, int ho,
                          int wo, int fh, int fw, int sh, int sw, int top, int left) {
  const long plane = (long)h * w * c;
  if (ho * sh != h || wo * sw != w || fh != sh || fw != sw || top || left)
    for (long i = 0; i < n * plane; i++) dx[i] = 0;
  const int c4 = c & ~3;
  for (int b = 0; b < n; b++) {
    const float *xb = x + b * plane;
    float *db = dx + b * plane;
    for (int yr = 0; yr < ho; yr++) {
      const int r0 = yr * sh - top, rmin = r0 < 0 ? 0 : r0, rmax = r0 + fh > h ? h : r0 + fh;
      for (int yc = 0; yc < wo; yc++) {
        const int c0 = yc * sw - left, cmin = c0 < 0 ? 0 : c0, cmax = c0 + fw > w ? w : c0 + fw;
        const float *g = dy + (((long)b * ho + yr) * wo + yc) * c;
        if (rmin >= rmax || cmin >= cmax) continue;
        for (int d = 0; d < c4; d += 4) {
          v128_t m = wasm_v128_load(xb + ((long)rmin * w + cmin) * c + d);
          for (int r = rmin; r < rmax; r++)
            for (int q = cmin; q < cmax; q++) m = wasm_f32x4_max(m, wasm_v128_load(xb + ((long)r * w + q) * c + d));
          const v128_t gv = wasm_v128_load(g + d);
          v128_t left_ = wasm_i32x4_splat(-1);  // lanes still waiting for their first maximum
          for (int r = rmin; r < rmax; r++)
            for (int q = cmin; q < cmax; q++) {
              const long at = ((long)r * w + q) * c + d;
              const v128_t hit = wasm_v128_and(left_, wasm_f32x4_eq(wasm_v128_load(xb + at), m));
              wasm_v128_store(db + at, wasm_v128_and(hit, gv));
              left_ = wasm_v128_andnot(left_, hit);
            }
        }
        for (int d = c4; d < c; d++) {
          long best = ((long)rmin * w + cmin) * c + d;
          for (int r = rmin; r < rmax; r++)
            for (int q = cmin; q < cmax; q++) {
              const long at = ((long)r * w + q) * c + d;
              if (xb[at] > xb[best]) best = at;
            }
          for (int r = rmin; r < rmax; r++)
            for (int q = cmin; q < cmax; q++) db[((long)r * w + q) * c + d] = 0;
          db[best] = g[d];
        }
      }
    }
  }
}

// Column sums of a row-major [outer, inner] matrix (a Sum over leading axes: every bias gradient).
// Blocks of 64 rows are summed in float32 into out, then added into acc (inner doubles, scratch the
// caller provides), so the error stays that of a 64-term float32 sum.
EXPORT void col_sum(const float *x, float *out, double *acc, long outer, long inner) {
  for (long j = 0; j < inner; j++) acc[j] = 0;
  const long i4 = inner & ~3;
  for (long r0 = 0; r0 < outer; r0 += 64) {
    const long r1 = r0 + 64 < outer ? r0 + 64 : outer;
    for (long j = 0; j < i4; j += 4) {
      v128_t s = wasm_f32x4_splat(0);
      for (long r = r0; r < r1; r++) s = wasm_f32x4_add(s, wasm_v128_load(x + r * inner + j));
      wasm_v128_store(out + j, s);
    }
    for (long j = i4; j < inner; j++) {
      float s = 0;
      for (long r = r0; r < r1; r++) s += x[r * inner + j];
      out[j] = s;
    }
    for (long j = 0; j < inner; j++) acc[j] += out[j];
  }
  for (long j = 0; j < inner; j++) out[j] = (float)acc[j];
}

// One Adam step for one variable, the same float32 operations in the same order as tfjs's
// AdamOptimizer: m' = m·b1 + g·(1-b1); v' = v·b2 + g²·(1-b2); x' = x + (m'/c1) / (sqrt(v'/c2) + eps) · -lr,
// with c1 = 1 - b1^t and c2 = 1 - b2^t. Writes new buffers (x', m', v'): tensors are immutable.
EXPORT void adam(const float *x, const float *m, const float *v, const float *g, float *xo, float *mo, float *vo,
                 long n, float b1, float ob1, float b2, float ob2, float c1, float c2, float eps, float nlr) {
  const v128_t B1 = wasm_f32x4_splat(b1), OB1 = wasm_f32x4_splat(ob1), B2 = wasm_f32x4_splat(b2),
               OB2 = wasm_f32x4_splat(ob2), C1 = wasm_f32x4_splat(c1), C2 = wasm_f32x4_splat(c2),
               E = wasm_f32x4_splat(eps), L = wasm_f32x4_splat(nlr);
  const long n4 = n & ~3;
  for (long i = 0; i < n4; i += 4) {
    const v128_t gi = wasm_v128_load(g + i);
    const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), B1), wasm_f32x4_mul(gi, OB1));
    const v128_t vi =
        wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), B2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), OB2));
    const v128_t step = wasm_f32x4_div(wasm_f32x4_div(mi, C1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, C2)), E));
    wasm_v128_store(xo + i, wasm_f32x4_add(wasm_f32x4_mul(step, L), wasm_v128_load(x + i)));
    wasm_v128_store(mo + i, mi);
    wasm_v128_store(vo + i, vi);
  }
  for (long i = n4; i < n; i++) {
    const float gi = g[i], mi = m[i] * b1 + gi * ob1, vi = v[i] * b2 + gi * gi * ob2;
    xo[i] = (mi / c1) / (__builtin_sqrtf(vi / c2) + eps) * nlr + x[i];
    mo[i] = mi;
    vo[i] = vi;
  }
}

// Relu's gradient in one pass: dx = dy where x > 0, else 0, NaN where x is NaN (tfjs computes
// dy · cast(step(x)): three kernels, two temporaries).
EXPORT void relu_grad(const float *dy, const float *x, float *dx, long n) {
  const long n4 = n & ~3;
  const v128_t z = wasm_f32x4_splat(0);
  for (long i = 0; i < n4; i += 4) {
    const v128_t xi = wasm_v128_load(x + i);
    wasm_v128_store(dx + i, wasm_v128_or(wasm_v128_and(wasm_v128_load(dy + i), wasm_f32x4_gt(xi, z)),
                                         wasm_v128_and(xi, wasm_f32x4_ne(xi, xi))));
  }
  for (long i = n4; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : x[i] != x[i] ? x[i] : 0;
}

// Transposed im2col for a convolution's filter gradient (NHWC input): row (i·kw + j)·C + ch, column
// (b·Ho + r)·Wo + q of p holds x[b, r·sh - top + i·dh, q·sw - left + j·dw, ch] (0 outside the image),
// so dW = p · dy is one untransposed matmul whose [kh·kw·C, O] result is the filter layout. With
// stride 1 and C % 4 == 0, 4 pixels × 4 channels move at a time through a 4×4 SIMD transpose.
EXPORT void patches_t(const float *x, float *p, int n, int h, int w, int c, int ho, int wo, int kh, int kw, int sh,
                      int sw, int dh, int dw, int top, int left) {
  const long P = (long)n * ho * wo;
  for (int i = 0; i < kh; i++)
    for (int j = 0; j < kw; j++) {
      float *rows = p + (long)(i * kw + j) * c * P;
      const int off = j * dw - left;
      int q0 = off >= 0 ? 0 : (-off + sw - 1) / sw;
      int q1 = w - 1 - off < 0 ? 0 : (w - 1 - off) / sw + 1;
      if (q0 > wo) q0 = wo;
      if (q1 > wo) q1 = wo;
      if (q1 < q0) q1 = q0;
      for (int b = 0; b < n; b++)
        for (int r = 0; r < ho; r++) {
          const long col0 = ((long)b * ho + r) * wo;
          const int xr = r * sh - top + i * dh;
          if (xr < 0 || xr >= h) {
            for (int ch = 0; ch < c; ch++)
              for (int q = 0; q < wo; q++) rows[ch * P + col0 + q] = 0;
            continue;
          }
          const float *xrow = x + ((long)b * h + xr) * w * c;
          for (int ch = 0; ch < c; ch++) {
            float *d = rows + ch * P + col0;
            for (int q = 0; q < q0; q++) d[q] = 0;
            for (int q = q1; q < wo; q++) d[q] = 0;
          }
          if (sw == 1 && (c & 3) == 0) {
            for (int ch = 0; ch < c; ch += 4) {
              float *d0 = rows + ch * P + col0, *d1 = d0 + P, *d2 = d1 + P, *d3 = d2 + P;
              int q = q0;
              for (; q + 4 <= q1; q += 4) {
                const float *s = xrow + (long)(q + off) * c + ch;
                const v128_t a0 = wasm_v128_load(s), a1 = wasm_v128_load(s + c), a2 = wasm_v128_load(s + 2 * c),
                             a3 = wasm_v128_load(s + 3 * c);
                const v128_t t0 = wasm_i32x4_shuffle(a0, a1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(a2, a3, 0, 4, 1, 5),
                             t2 = wasm_i32x4_shuffle(a0, a1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(a2, a3, 2, 6, 3, 7);
                wasm_v128_store(d0 + q, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
                wasm_v128_store(d1 + q, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
                wasm_v128_store(d2 + q, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
                wasm_v128_store(d3 + q, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
              }
              for (; q < q1; q++) {
                const float *s = xrow + (long)(q + off) * c + ch;
                d0[q] = s[0];
                d1[q] = s[1];
                d2[q] = s[2];
                d3[q] = s[3];
              }
            }
          } else
            for (int ch = 0; ch < c; ch++) {
              float *d = rows + ch * P + col0;
              for (int q = q0; q < q1; q++) d[q] = xrow[(long)(q * sw + off) * c + ch];
            }
        }
    }
}

// Direct convolution for few input channels (an image model's first layer, C·kh·kw small), NHWC,
// output channels % 4 == 0: each output pixel accumulates its taps into up to 8 vectors (32 output
// channels) held in registers. XNNPACK's convolution is a GEMM whose inner dimension is C·kh·kw:
// 9 for a 3×3 grey-scale layer, too short to run near its speed.
EXPORT void conv_small(const float *x, const float *f, float *y, int n, int h, int w, int c, int ho, int wo, int co,
                       int kh, int kw, int sh, int sw, int dh, int dw, int top, int left) {
  for (int b = 0; b < n; b++)
    for (int r = 0; r < ho; r++)
      for (int q = 0; q < wo; q++) {
        float *out = y + (((long)b * ho + r) * wo + q) * co;
        int o0 = 0;
        for (; o0 + 32 <= co; o0 += 32) {
          v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
          for (int i = 0; i < kh; i++) {
            const int xr = r * sh - top + i * dh;
            if (xr < 0 || xr >= h) continue;
            for (int j = 0; j < kw; j++) {
              const int xc = q * sw - left + j * dw;
              if (xc < 0 || xc >= w) continue;
              const float *xp = x + (((long)b * h + xr) * w + xc) * c;
              const float *fp = f + ((long)(i * kw + j) * c) * co + o0;
              for (int ch = 0; ch < c; ch++, fp += co) {
                const v128_t v = wasm_f32x4_splat(xp[ch]);
                a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(v, wasm_v128_load(fp)));
                a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(v, wasm_v128_load(fp + 4)));
                a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(v, wasm_v128_load(fp + 8)));
                a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(v, wasm_v128_load(fp + 12)));
                a4 = wasm_f32x4_add(a4, wasm_f32x4_mul(v, wasm_v128_load(fp + 16)));
                a5 = wasm_f32x4_add(a5, wasm_f32x4_mul(v, wasm_v128_load(fp + 20)));
                a6 = wasm_f32x4_add(a6, wasm_f32x4_mul(v, wasm_v128_load(fp + 24)));
                a7 = wasm_f32x4_add(a7, wasm_f32x4_mul(v, wasm_v128_load(fp + 28)));
              }
            }
          }
          wasm_v128_store(out + o0, a0);
          wasm_v128_store(out + o0 + 4, a1);
          wasm_v128_store(out + o0 + 8, a2);
          wasm_v128_store(out + o0 + 12, a3);
          wasm_v128_store(out + o0 + 16, a4);
          wasm_v128_store(out + o0 + 20, a5);
          wasm_v128_store(out + o0 + 24, a6);
          wasm_v128_store(out + o0 + 28, a7);
        }
        for (; o0 < co; o0 += 4) {
          v128_t a = wasm_f32x4_splat(0);
          for (int i = 0; i < kh; i++) {
            const int xr = r * sh - top + i * dh;
            if (xr < 0 || xr >= h) continue;
            for (int j = 0; j < kw; j++) {
              const int xc = q * sw - left + j * dw;
              if (xc < 0 || xc >= w) continue;
              const float *xp = x + (((long)b * h + xr) * w + xc) * c;
              const float *fp = f + ((long)(i * kw + j) * c) * co + o0;
              for (int ch = 0; ch < c; ch++, fp += co)
                a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_f32x4_splat(xp[ch]), wasm_v128_load(fp)));
            }
          }
          wasm_v128_store(out + o0, a);
        }
      }
}

// y = x + bias over the last axis (a layer's bias: x [rows, c], bias [c]), four channels at a time.
EXPORT void bias_add(const float *x, const float *bias, float *y, long rows, long c) {
  const long c4 = c & ~3;
  for (long r = 0; r < rows; r++) {
    const float *xr = x + r * c;
    float *yr = y + r * c;
    long j = 0;
    for (; j < c4; j += 4) wasm_v128_store(yr + j, wasm_f32x4_add(wasm_v128_load(xr + j), wasm_v128_load(bias + j)));
    for (; j < c; j++) yr[j] = xr[j] + bias[j];
  }
}

// Elementwise float32 ops on the calling thread. tfjs's wasm Relu, Multiply and RealDiv run on
// XNNPACK's thread pool: on a busy machine each call waits for a descheduled pool thread (the profile
// showed 3 Relu calls taking 15 ms at load 10); these small, memory-bound ops do not need threads.
EXPORT void relu(const float *x, float *y, long n) {
  const long n4 = n & ~3;
  const v128_t z = wasm_f32x4_splat(0);
  for (long i = 0; i < n4; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    // max(x, 0) with NaN kept, as tfjs's relu does (x < 0 ? 0 : x).
    wasm_v128_store(y + i, wasm_v128_bitselect(z, v, wasm_f32x4_lt(v, z)));
  }
  for (long i = n4; i < n; i++) y[i] = x[i] < 0 ? 0 : x[i];
}

// y = a op b with op 0 = multiply, 1 = divide; sa / sb: a / b is one scalar broadcast to n.
EXPORT void binary(const float *a, const float *b, float *y, long n, int op, int sa, int sb) {
  const long n4 = n & ~3;
  const v128_t va = wasm_f32x4_splat(a[0]), vb = wasm_f32x4_splat(b[0]);
  if (op == 0) {
    for (long i = 0; i < n4; i += 4)
      wasm_v128_store(y + i, wasm_f32x4_mul(sa ? va : wasm_v128_load(a + i), sb ? vb : wasm_v128_load(b + i)));
    for (long i = n4; i < n; i++) y[i] = a[sa ? 0 : i] * b[sb ? 0 : i];
  } else {
    for (long i = 0; i < n4; i += 4)
      wasm_v128_store(y + i, wasm_f32x4_div(sa ? va : wasm_v128_load(a + i), sb ? vb : wasm_v128_load(b + i)));
    for (long i = n4; i < n; i++) y[i] = a[sa ? 0 : i] / b[sb ? 0 : i];
  }
}

// MaxPool forward (NHWC, no dilation, any stride; padding is skipped, as if -inf), 4 channels at a
// time on the calling thread (see `relu` on why not the pool).
EXPORT void max_pool(const float *x, float *y, int n, int h, int w, int c, int ho, int wo, int fh, int fw, int sh,
                     int sw, int top, int left) {
  const int c4 = c & ~3;
  for (int b = 0; b < n; b++) {
    const float *xb = x + (long)b * h * w * c;
    for (int yr = 0; yr < ho; yr++) {
      const int r0 = yr * sh - top, rmin = r0 < 0 ? 0 : r0, rmax = r0 + fh > h ? h : r0 + fh;
      for (int yc = 0; yc < wo; yc++) {
        const int c0 = yc * sw - left, cmin = c0 < 0 ? 0 : c0, cmax = c0 + fw > w ? w : c0 + fw;
        float *out = y + (((long)b * ho + yr) * wo + yc) * c;
        for (int d = 0; d < c4; d += 4) {
          v128_t m = wasm_v128_load(xb + ((long)rmin * w + cmin) * c + d);
          for (int r = rmin; r < rmax; r++)
            for (int q = cmin; q < cmax; q++) m = wasm_f32x4_max(m, wasm_v128_load(xb + ((long)r * w + q) * c + d));
          wasm_v128_store(out + d, m);
        }
        for (int d = c4; d < c; d++) {
          float m = xb[((long)rmin * w + cmin) * c + d];
          for (int r = rmin; r < rmax; r++)
            for (int q = cmin; q < cmax; q++) {
              const float v = xb[((long)r * w + q) * c + d];
              if (v > m) m = v;
            }
          out[d] = m;
        }
      }
    }
  }
}

// c[m, n] (+)= a[m, k] · b[k, n], all row-major, for products with few rows and a long k: a
// convolution's filter gradient when kh·kw·C is small (the first layer), where XNNPACK would first
// pack all of b (dy, k·n floats, ~2.6 ns each: 4 ms on the reference CNN's first layer) for a product
// that costs a millisecond. Tiles of 4 rows × 8 columns (8 accumulators, within wasm SIMD's 16
// registers) over chunks of 256 of k, so b's chunk stays in cache across a's row tiles. Rows and
// columns past the tiles go 1 row / 4 columns / 1 column at a time. `add` = 1 adds into c.
#define KC 256
static inline __attribute__((always_inline)) void tile(const float *a, const float *b, float *c, long lda, long ldb,
                                                     long ldc, long k0, long k1, int rows, int cols) {
  v128_t acc[4][2];
  for (int r = 0; r < rows; r++)
    for (int v = 0; v < cols / 4; v++) acc[r][v] = wasm_v128_load(c + r * ldc + 4 * v);
  for (long p = k0; p < k1; p++) {
    const v128_t b0 = wasm_v128_load(b + p * ldb), b1 = cols == 8 ? wasm_v128_load(b + p * ldb + 4) : b0;
    for (int r = 0; r < rows; r++) {
      const v128_t ar = wasm_f32x4_splat(a[r * lda + p]);
      acc[r][0] = wasm_f32x4_add(acc[r][0], wasm_f32x4_mul(ar, b0));
      if (cols == 8) acc[r][1] = wasm_f32x4_add(acc[r][1], wasm_f32x4_mul(ar, b1));
    }
  }
  for (int r = 0; r < rows; r++)
    for (int v = 0; v < cols / 4; v++) wasm_v128_store(c + r * ldc + 4 * v, acc[r][v]);
}

EXPORT void gemm_few_rows(const float *a, const float *b, float *c, long m, long k, long n, int add) {
  if (!add)
    for (long i = 0; i < m * n; i++) c[i] = 0;
  const long m4 = m & ~3, n8 = n & ~7, n4 = n & ~3;
  for (long k0 = 0; k0 < k; k0 += KC) {
    const long k1 = k0 + KC < k ? k0 + KC : k;
    for (long i = 0; i < m; i += i < m4 ? 4 : 1) {
      const int rows = i < m4 ? 4 : 1;
      long j = 0;
      for (; j < n8; j += 8) {
        if (rows == 4) tile(a + i * k, b + j, c + i * n + j, k, n, n, k0, k1, 4, 8);
        else tile(a + i * k, b + j, c + i * n + j, k, n, n, k0, k1, 1, 8);
      }
      for (; j < n4; j += 4) {
        if (rows == 4) tile(a + i * k, b + j, c + i * n + j, k, n, n, k0, k1, 4, 4);
        else tile(a + i * k, b + j, c + i * n + j, k, n, n, k0, k1, 1, 4);
      }
      for (; j < n; j++)
        for (int r = 0; r < rows; r++) {
          float s = c[(i + r) * n + j];
          for (long p = k0; p < k1; p++) s += a[(i + r) * k + p] * b[p * n + j];
          c[(i + r) * n + j] = s;
        }
    }
  }
}
