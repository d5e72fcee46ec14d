// The candidate scan of LinearSearch, compiled to WebAssembly by scripts/build-wasm.mjs in three
// builds: f32x4 lanes with relaxed-SIMD fused multiply-adds, plain f32x4 lanes, and scalar.
// Everything lives in memory the caller lays out (see src/wasm-kernel.ts); nothing is allocated here.
//
// For each query the scan keeps a bounded max-heap of the m keys with the smallest f32 scores,
// ordered by (score, slot), so among equal scores the earlier slot wins. A heap is an i32 size,
// a pad word, then m entries of (f32 score, i32 slot).

/** Byte size of a heap header: size (i32) and a pad word. */
const HEAP_HEADER: usize = 8;

@inline function heapBase(heaps: usize, h: i32, m: i32): usize {
  return heaps + <usize>h * (HEAP_HEADER + (<usize>m << 3));
}

/** (a, sa) is greater than (b, sb) in (score, slot) order. */
@inline function greater(a: f32, sa: i32, b: f32, sb: i32): bool {
  return a > b || (a == b && sa > sb);
}

/** Offers (score, slot) to the bounded max-heap at `base`; returns the new threshold. */
function offer(base: usize, m: i32, score: f32, slot: i32): f32 {
  const entries = base + HEAP_HEADER;
  let size = load<i32>(base);
  if (size < m) {
    let i = size++;
    store<i32>(base, size);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = entries + (<usize>parent << 3);
      const ps = load<f32>(p);
      const pslot = load<i32>(p, 4);
      if (!greater(score, slot, ps, pslot)) break;
      const at = entries + (<usize>i << 3);
      store<f32>(at, ps);
      store<i32>(at, pslot, 4);
      i = parent;
    }
    const at = entries + (<usize>i << 3);
    store<f32>(at, score);
    store<i32>(at, slot, 4);
    return size < m ? Infinity : load<f32>(entries);
  }
  if (!greater(load<f32>(entries), load<i32>(entries, 4), score, slot)) return load<f32>(entries);
  let i = 0;
  while (true) {
    const left = 2 * i + 1;
    if (left >= m) break;
    let child = left;
    let cp = entries + (<usize>left << 3);
    let cs = load<f32>(cp);
    let cslot = load<i32>(cp, 4);
    const right = left + 1;
    if (right < m) {
      const rp = entries + (<usize>right << 3);
      const rs = load<f32>(rp);
      const rslot = load<i32>(rp, 4);
      if (greater(rs, rslot, cs, cslot)) {
        child = right;
        cp = rp;
        cs = rs;
        cslot = rslot;
      }
    }
    if (!greater(cs, cslot, score, slot)) break;
    const at = entries + (<usize>i << 3);
    store<f32>(at, cs);
    store<i32>(at, cslot, 4);
    i = child;
  }
  const at = entries + (<usize>i << 3);
  store<f32>(at, score);
  store<i32>(at, slot, 4);
  return load<f32>(entries);
}

@inline function threshold(base: usize, m: i32): f32 {
  return load<i32>(base) < m ? Infinity : load<f32>(base + HEAP_HEADER);
}

export function clearHeaps(heaps: usize, count: i32, m: i32): void {
  for (let h = 0; h < count; h++) store<i32>(heapBase(heaps, h, m), 0);
}

/** 1 when this build uses f32x4 lanes, 2 when it also fuses multiply-adds, 0 for scalar. */
export function lanes(): i32 {
  if (ASC_FEATURE_RELAXED_SIMD) return 2;
  if (ASC_FEATURE_SIMD) return 1;
  return 0;
}

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

@inline function hsum4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const t0 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
  const t1 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
}

@inline function scalarDot(q: usize, k: usize, from: i32, dim: i32): f32 {
  let s: f32 = 0;
  for (let i = from; i < dim; i++) s += load<f32>(q + (<usize>i << 2)) * load<f32>(k + (<usize>i << 2));
  return s;
}

@inline function keyMaskBits(mask: usize, j: i32): i32 {
  if (mask == 0) return 15;
  const m4 = load<u32>(mask + <usize>j);
  return <i32>((m4 & 1) | ((m4 >> 7) & 2) | ((m4 >> 14) & 4) | ((m4 >> 21) & 8));
}

@inline function offerLanes(base: usize, m: i32, scores: v128, thr: f32, bits: i32, j: i32): f32 {
  if (bits & 1) thr = offer(base, m, f32x4.extract_lane(scores, 0), j);
  if (bits & 2 && f32x4.extract_lane(scores, 1) <= thr) thr = offer(base, m, f32x4.extract_lane(scores, 1), j + 1);
  if (bits & 4 && f32x4.extract_lane(scores, 2) <= thr) thr = offer(base, m, f32x4.extract_lane(scores, 2), j + 2);
  if (bits & 8 && f32x4.extract_lane(scores, 3) <= thr) thr = offer(base, m, f32x4.extract_lane(scores, 3), j + 3);
  return thr;
}

/** The lanes of keys j … j + 3 a query may take: unmasked and below `count`. */
@inline function validLanes(mask: usize, j: i32, count: i32): i32 {
  let valid = keyMaskBits(mask, j);
  if (j + 4 > count) valid &= (1 << (count - j)) - 1;
  return valid;
}

/** Offers the valid lanes of `scores` that beat the heap's threshold; returns the new threshold. */
@inline function offerFour(heap: usize, m: i32, scores: v128, thr: f32, valid: i32, j: i32): f32 {
  const bits = i32x4.bitmask(f32x4.lt(scores, f32x4.splat(thr))) & valid;
  return bits != 0 ? offerLanes(heap, m, scores, thr, bits, j) : thr;
}

@inline function tails(q: usize, kp: usize, stride: usize, from: i32, dim: i32): v128 {
  let t = f32x4.splat(0);
  t = f32x4.replace_lane(t, 0, scalarDot(q, kp, from, dim));
  t = f32x4.replace_lane(t, 1, scalarDot(q, kp + stride, from, dim));
  t = f32x4.replace_lane(t, 2, scalarDot(q, kp + 2 * stride, from, dim));
  t = f32x4.replace_lane(t, 3, scalarDot(q, kp + 3 * stride, from, dim));
  return t;
}

/**
 * Scores keys [k0, k1) (k0 a multiple of 4) against queries qa and qb (qb = qa and two = false
 * for one query) and offers each eligible key to the query's heap. Keys at or beyond `count`
 * are read (the caller pads to a multiple of 4) but never offered.
 */
function scanPairSimd(
  qa: usize, qb: usize, two: bool, dim: i32, keys: usize, k0: i32, k1: i32, count: i32,
  norms: usize, mask: usize, heapA: usize, heapB: usize, m: i32,
): void {
  const stride = <usize>dim << 2;
  const dim4 = dim & ~3;
  const byteDim4 = <usize>dim4 << 2;
  let thrA = threshold(heapA, m);
  let thrB = two ? threshold(heapB, m) : Infinity;
  for (let j = k0; j < k1; j += 4) {
    const kp = keys + <usize>j * stride;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
    for (let off: usize = 0; off < byteDim4; off += 16) {
      const va = v128.load(qa + off);
      const vb = v128.load(qb + off);
      const x0 = v128.load(kp + off);
      const x1 = v128.load(kp + stride + off);
      const x2 = v128.load(kp + 2 * stride + off);
      const x3 = v128.load(kp + 3 * stride + off);
      a0 = madd(va, x0, a0);
      a1 = madd(va, x1, a1);
      a2 = madd(va, x2, a2);
      a3 = madd(va, x3, a3);
      b0 = madd(vb, x0, b0);
      b1 = madd(vb, x1, b1);
      b2 = madd(vb, x2, b2);
      b3 = madd(vb, x3, b3);
    }
    let sa = hsum4(a0, a1, a2, a3);
    let sb = hsum4(b0, b1, b2, b3);
    if (dim4 < dim) {
      sa = f32x4.add(sa, tails(qa, kp, stride, dim4, dim));
      sb = f32x4.add(sb, tails(qb, kp, stride, dim4, dim));
    }
    if (norms != 0) {
      const n4 = v128.load(norms + (<usize>j << 2));
      sa = f32x4.sub(n4, f32x4.add(sa, sa));
      sb = f32x4.sub(n4, f32x4.add(sb, sb));
    } else {
      sa = f32x4.neg(sa);
      sb = f32x4.neg(sb);
    }
    const valid = validLanes(mask, j, count);
    thrA = offerFour(heapA, m, sa, thrA, valid, j);
    if (two) thrB = offerFour(heapB, m, sb, thrB, valid, j);
  }
}

function scanOneScalar(
  q: usize, dim: i32, keys: usize, k0: i32, k1: i32, norms: usize, mask: usize, heap: usize, m: i32,
): void {
  const stride = <usize>dim << 2;
  let thr = threshold(heap, m);
  for (let j = k0; j < k1; j++) {
    if (mask != 0 && load<u8>(mask + <usize>j) == 0) continue;
    const dot = scalarDot(q, keys + <usize>j * stride, 0, dim);
    const score: f32 = norms != 0 ? load<f32>(norms + (<usize>j << 2)) - (dot + dot) : -dot;
    if (score < thr) thr = offer(heap, m, score, j);
  }
}

/**
 * For each of `nq` queries (rows of `dim` f32 at `queries`), keeps in its heap the `m` keys
 * of [0, count) with the smallest scores, in (score, slot) order: score = −q·k, or
 * ‖k‖² − 2q·k when `norms` (f32 per key) is not 0. `mask` (a byte per key, or 0) excludes keys
 * whose byte is 0. Heaps must be cleared first; keys are visited in chunks of `chunk`.
 */
export function scan(
  queries: usize, nq: i32, dim: i32, keys: usize, count: i32, norms: usize, mask: usize,
  heaps: usize, m: i32, chunk: i32,
): void {
  const qstride = <usize>dim << 2;
  for (let k0 = 0; k0 < count; k0 += chunk) {
    const k1 = min(k0 + chunk, count);
    if (ASC_FEATURE_SIMD) {
      let h = 0;
      for (; h + 1 < nq; h += 2) {
        const qa = queries + <usize>h * qstride;
        scanPairSimd(qa, qa + qstride, true, dim, keys, k0, k1, count, norms, mask,
          heapBase(heaps, h, m), heapBase(heaps, h + 1, m), m);
      }
      if (h < nq) {
        const qa = queries + <usize>h * qstride;
        const base = heapBase(heaps, h, m);
        scanPairSimd(qa, qa, false, dim, keys, k0, k1, count, norms, mask, base, base, m);
      }
    } else {
      for (let h = 0; h < nq; h++) {
        scanOneScalar(queries + <usize>h * qstride, dim, keys, k0, k1, norms, mask, heapBase(heaps, h, m), m);
      }
    }
  }
}

/**
 * `scan` over `rows` queries in blocks of `block` (so a block stays in the first-level cache),
 * clearing each query's heap first. Query r's heap is the r-th of `heaps`.
 */
export function scanRows(
  queries: usize, rows: i32, dim: i32, keys: usize, count: i32, norms: usize, mask: usize,
  heaps: usize, m: i32, chunk: i32, block: i32,
): void {
  const qstride = <usize>dim << 2;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const nq = min(block, rows - r0);
    const base = heapBase(heaps, r0, m);
    clearHeaps(base, nq, m);
    scan(queries + <usize>r0 * qstride, nq, dim, keys, count, norms, mask, base, m, chunk);
  }
}

// ---- int8 keys ----------------------------------------------------------------------------
// Keys are rows of `stride` int8 codes (the dimension rounded up to 16, zero-padded) with a
// float32 scale each; queries are rows of `stride` int16 codes with a float32 scale each. The
// dot product is summed exactly in int32 lanes (the caller bounds the codes so it cannot
// overflow), then converted to float32 and multiplied by the two scales (powers of two).

@inline function hsum4i(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const t0 = i32x4.add(v128.shuffle<i32>(a0, a1, 0, 4, 1, 5), v128.shuffle<i32>(a0, a1, 2, 6, 3, 7));
  const t1 = i32x4.add(v128.shuffle<i32>(a2, a3, 0, 4, 1, 5), v128.shuffle<i32>(a2, a3, 2, 6, 3, 7));
  return i32x4.add(v128.shuffle<i32>(t0, t1, 0, 1, 4, 5), v128.shuffle<i32>(t0, t1, 2, 3, 6, 7));
}

@inline function dot16(acc: v128, ql: v128, qh: v128, lo: v128, hi: v128): v128 {
  return i32x4.add(acc, i32x4.add(i32x4.dot_i16x8_s(ql, lo), i32x4.dot_i16x8_s(qh, hi)));
}

@inline function scoresI8(sums: v128, scale: f32, kscales: usize, norms: usize, j: i32): v128 {
  return scoresF(f32x4.convert_i32x4_s(sums), scale, kscales, norms, j);
}

@inline function scoresF(dots: v128, scale: f32, kscales: usize, norms: usize, j: i32): v128 {
  const s = f32x4.mul(dots, f32x4.mul(f32x4.splat(scale), v128.load(kscales + (<usize>j << 2))));
  if (norms != 0) return f32x4.sub(v128.load(norms + (<usize>j << 2)), f32x4.add(s, s));
  return f32x4.neg(s);
}

function scanPairI8Simd(
  qa: usize, qb: usize, two: bool, scaleA: f32, scaleB: f32, stride: i32, keys: usize, kscales: usize,
  k0: i32, k1: i32, count: i32, norms: usize, mask: usize, heapA: usize, heapB: usize, m: i32,
): void {
  const ks = <usize>stride;
  let thrA = threshold(heapA, m);
  let thrB = two ? threshold(heapB, m) : Infinity;
  for (let j = k0; j < k1; j += 4) {
    const kp = keys + <usize>j * ks, kp1 = kp + ks, kp2 = kp1 + ks, kp3 = kp2 + ks;
    let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    for (let o: usize = 0; o < ks; o += 16) {
      const qal = v128.load(qa + (o << 1)), qah = v128.load(qa + (o << 1), 16);
      const qbl = v128.load(qb + (o << 1)), qbh = v128.load(qb + (o << 1), 16);
      let x = v128.load(kp + o);
      let lo = i16x8.extend_low_i8x16_s(x), hi = i16x8.extend_high_i8x16_s(x);
      a0 = dot16(a0, qal, qah, lo, hi);
      b0 = dot16(b0, qbl, qbh, lo, hi);
      x = v128.load(kp1 + o);
      lo = i16x8.extend_low_i8x16_s(x);
      hi = i16x8.extend_high_i8x16_s(x);
      a1 = dot16(a1, qal, qah, lo, hi);
      b1 = dot16(b1, qbl, qbh, lo, hi);
      x = v128.load(kp2 + o);
      lo = i16x8.extend_low_i8x16_s(x);
      hi = i16x8.extend_high_i8x16_s(x);
      a2 = dot16(a2, qal, qah, lo, hi);
      b2 = dot16(b2, qbl, qbh, lo, hi);
      x = v128.load(kp3 + o);
      lo = i16x8.extend_low_i8x16_s(x);
      hi = i16x8.extend_high_i8x16_s(x);
      a3 = dot16(a3, qal, qah, lo, hi);
      b3 = dot16(b3, qbl, qbh, lo, hi);
    }
    const valid = validLanes(mask, j, count);
    thrA = offerFour(heapA, m, scoresI8(hsum4i(a0, a1, a2, a3), scaleA, kscales, norms, j), thrA, valid, j);
    if (two) thrB = offerFour(heapB, m, scoresI8(hsum4i(b0, b1, b2, b3), scaleB, kscales, norms, j), thrB, valid, j);
  }
}


// ---- int16 screen keys --------------------------------------------------------------------
// Keys are rows of `stride` int16 codes (the dimension rounded up to 32, zero-padded) with a
// float32 scale each; queries are rows of `stride` int16 codes with a float32 scale each. Each
// i32 lane sums the products of 32 codes (8 per lane) exactly, then adds that partial sum to a
// float32 lane: the caller keeps |codes| ≤ 16,383, so 8 products stay within int32 whatever the
// dimension.

@inline function flushI16(acc: v128, part: v128): v128 {
  return f32x4.add(acc, f32x4.convert_i32x4_s(part));
}

@inline function stepI16(a: v128, q: v128, x: v128): v128 {
  return i32x4.add(a, i32x4.dot_i16x8_s(q, x));
}

function scanPairI16Simd(
  qa: usize, qb: usize, two: bool, scaleA: f32, scaleB: f32, stride: i32, keys: usize, kscales: usize,
  k0: i32, k1: i32, count: i32, norms: usize, mask: usize, heapA: usize, heapB: usize, m: i32,
): void {
  const ks = <usize>stride << 1;
  let thrA = threshold(heapA, m);
  let thrB = two ? threshold(heapB, m) : Infinity;
  for (let j = k0; j < k1; j += 4) {
    const kp = keys + <usize>j * ks, kp1 = kp + ks, kp2 = kp1 + ks, kp3 = kp2 + ks;
    let fa0 = f32x4.splat(0), fa1 = fa0, fa2 = fa0, fa3 = fa0, fb0 = fa0, fb1 = fa0, fb2 = fa0, fb3 = fa0;
    for (let o: usize = 0; o < ks; o += 64) {
      // Four steps of 8 codes, written out: 32 codes per lane flush.
      let va = v128.load(qa + o), vb = v128.load(qb + o);
      let x0 = v128.load(kp + o), x1 = v128.load(kp1 + o), x2 = v128.load(kp2 + o), x3 = v128.load(kp3 + o);
      let a0 = i32x4.dot_i16x8_s(va, x0), a1 = i32x4.dot_i16x8_s(va, x1);
      let a2 = i32x4.dot_i16x8_s(va, x2), a3 = i32x4.dot_i16x8_s(va, x3);
      let b0 = i32x4.dot_i16x8_s(vb, x0), b1 = i32x4.dot_i16x8_s(vb, x1);
      let b2 = i32x4.dot_i16x8_s(vb, x2), b3 = i32x4.dot_i16x8_s(vb, x3);
      va = v128.load(qa + o, 16); vb = v128.load(qb + o, 16);
      x0 = v128.load(kp + o, 16); x1 = v128.load(kp1 + o, 16); x2 = v128.load(kp2 + o, 16); x3 = v128.load(kp3 + o, 16);
      a0 = stepI16(a0, va, x0); a1 = stepI16(a1, va, x1); a2 = stepI16(a2, va, x2); a3 = stepI16(a3, va, x3);
      b0 = stepI16(b0, vb, x0); b1 = stepI16(b1, vb, x1); b2 = stepI16(b2, vb, x2); b3 = stepI16(b3, vb, x3);
      va = v128.load(qa + o, 32); vb = v128.load(qb + o, 32);
      x0 = v128.load(kp + o, 32); x1 = v128.load(kp1 + o, 32); x2 = v128.load(kp2 + o, 32); x3 = v128.load(kp3 + o, 32);
      a0 = stepI16(a0, va, x0); a1 = stepI16(a1, va, x1); a2 = stepI16(a2, va, x2); a3 = stepI16(a3, va, x3);
      b0 = stepI16(b0, vb, x0); b1 = stepI16(b1, vb, x1); b2 = stepI16(b2, vb, x2); b3 = stepI16(b3, vb, x3);
      va = v128.load(qa + o, 48); vb = v128.load(qb + o, 48);
      x0 = v128.load(kp + o, 48); x1 = v128.load(kp1 + o, 48); x2 = v128.load(kp2 + o, 48); x3 = v128.load(kp3 + o, 48);
      a0 = stepI16(a0, va, x0); a1 = stepI16(a1, va, x1); a2 = stepI16(a2, va, x2); a3 = stepI16(a3, va, x3);
      b0 = stepI16(b0, vb, x0); b1 = stepI16(b1, vb, x1); b2 = stepI16(b2, vb, x2); b3 = stepI16(b3, vb, x3);
      fa0 = flushI16(fa0, a0);
      fa1 = flushI16(fa1, a1);
      fa2 = flushI16(fa2, a2);
      fa3 = flushI16(fa3, a3);
      fb0 = flushI16(fb0, b0);
      fb1 = flushI16(fb1, b1);
      fb2 = flushI16(fb2, b2);
      fb3 = flushI16(fb3, b3);
    }
    const valid = validLanes(mask, j, count);
    thrA = offerFour(heapA, m, scoresF(hsum4(fa0, fa1, fa2, fa3), scaleA, kscales, norms, j), thrA, valid, j);
    if (two) thrB = offerFour(heapB, m, scoresF(hsum4(fb0, fb1, fb2, fb3), scaleB, kscales, norms, j), thrB, valid, j);
  }
}

/** The scalar coded scan of one query: int8 (`wide` false) or int16 key codes, summed exactly in int64. */
function scanOneCodedScalar(
  wide: bool, q: usize, scale: f32, stride: i32, keys: usize, kscales: usize, k0: i32, k1: i32, norms: usize,
  mask: usize, heap: usize, m: i32,
): void {
  let thr = threshold(heap, m);
  const keyBytes = <usize>(wide ? 2 : 1);
  for (let j = k0; j < k1; j++) {
    if (mask != 0 && load<u8>(mask + <usize>j) == 0) continue;
    const kp = keys + <usize>j * <usize>stride * keyBytes;
    let sum: i64 = 0;
    for (let i = 0; i < stride; i++) {
      const key = wide ? <i32>load<i16>(kp + (<usize>i << 1)) : <i32>load<i8>(kp + <usize>i);
      sum += <i64>(<i32>load<i16>(q + (<usize>i << 1)) * key);
    }
    // One rounding to float32, within the SIMD paths' error bounds.
    const dot = <f32>sum * (scale * load<f32>(kscales + (<usize>j << 2)));
    const score: f32 = norms != 0 ? load<f32>(norms + (<usize>j << 2)) - (dot + dot) : -dot;
    if (score < thr) thr = offer(heap, m, score, j);
  }
}

/**
 * The row loop of the coded scans: queries are int16 rows of `stride` codes with a scale each at
 * `qscales`; keys are rows of `stride` int8 codes (`wide` false) or int16 codes (`wide` true)
 * with a scale each at `kscales`; the score is −q·k, or ‖k‖² − 2q·k when `norms` is not 0, with
 * q·k = (Σ q̃ᵢk̃ᵢ)·scale_q·scale_k.
 */
function scanRowsCoded(
  wide: bool, queries: usize, qscales: usize, rows: i32, stride: i32, keys: usize, kscales: usize, count: i32,
  norms: usize, mask: usize, heaps: usize, m: i32, chunk: i32, block: i32,
): void {
  const qstride = <usize>stride << 1;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const nq = min(block, rows - r0);
    const base = heapBase(heaps, r0, m);
    clearHeaps(base, nq, m);
    for (let k0 = 0; k0 < count; k0 += chunk) {
      const k1 = min(k0 + chunk, count);
      if (ASC_FEATURE_SIMD) {
        for (let h = 0; h < nq; h += 2) {
          const r = r0 + h;
          const two = h + 1 < nq;
          const qa = queries + <usize>r * qstride;
          const qb = two ? qa + qstride : qa;
          const sa = load<f32>(qscales + (<usize>r << 2));
          const sb = two ? load<f32>(qscales + (<usize>(r + 1) << 2)) : sa;
          const ha = heapBase(heaps, r, m);
          const hb = two ? heapBase(heaps, r + 1, m) : ha;
          if (wide) scanPairI16Simd(qa, qb, two, sa, sb, stride, keys, kscales, k0, k1, count, norms, mask, ha, hb, m);
          else scanPairI8Simd(qa, qb, two, sa, sb, stride, keys, kscales, k0, k1, count, norms, mask, ha, hb, m);
        }
      } else {
        for (let h = 0; h < nq; h++) {
          const r = r0 + h;
          const q = queries + <usize>r * qstride;
          const s = load<f32>(qscales + (<usize>r << 2));
          const hb = heapBase(heaps, r, m);
          scanOneCodedScalar(wide, q, s, stride, keys, kscales, k0, k1, norms, mask, hb, m);
        }
      }
    }
  }
}

/** `scanRows` for int8 keys (see scanRowsCoded). */
export function scanRowsI8(
  queries: usize, qscales: usize, rows: i32, stride: i32, keys: usize, kscales: usize, count: i32, norms: usize,
  mask: usize, heaps: usize, m: i32, chunk: i32, block: i32,
): void {
  scanRowsCoded(false, queries, qscales, rows, stride, keys, kscales, count, norms, mask, heaps, m, chunk, block);
}

/** `scanRows` for int16 keys (see scanRowsCoded). */
export function scanRowsI16(
  queries: usize, qscales: usize, rows: i32, stride: i32, keys: usize, kscales: usize, count: i32, norms: usize,
  mask: usize, heaps: usize, m: i32, chunk: i32, block: i32,
): void {
  scanRowsCoded(true, queries, qscales, rows, stride, keys, kscales, count, norms, mask, heaps, m, chunk, block);
}
