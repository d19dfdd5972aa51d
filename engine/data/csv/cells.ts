/** Cell classification (bytes → number / boolean / missing), no string allocation on the fast path. */

const POW10 = new Float64Array(23);
for (let i = 0; i < 23; i++) POW10[i] = Number(`1e${i}`);

/**
 * Number parsing reports its outcome here (a typed-array slot is cheaper than module state):
 * NUM_STATUS[0] = NOT_A_NUMBER, FLOAT or INT (integer literal exactly representable).
 */
export const NUM_STATUS = new Int32Array(1);
export const NOT_A_NUMBER = 0;
export const FLOAT = 1;
export const INT = 2;

function lower(c: number): number {
  return c | 0x20;
}

/** Number keywords: nan, inf, infinity (case-insensitive). */
function parseKeyword(b: Uint8Array, i: number, e: number, neg: boolean): number {
  const len = e - i;
  NUM_STATUS[0] = NOT_A_NUMBER;
  if (len === 3) {
    const c0 = lower(b[i]!);
    const c1 = lower(b[i + 1]!);
    const c2 = lower(b[i + 2]!);
    if (c0 === 110 && c1 === 97 && c2 === 110) {
      NUM_STATUS[0] = FLOAT; // nan
      return NaN;
    }
    if (c0 === 105 && c1 === 110 && c2 === 102) {
      NUM_STATUS[0] = FLOAT; // inf
      return neg ? -Infinity : Infinity;
    }
  } else if (len === 8) {
    const word = 'infinity';
    for (let k = 0; k < 8; k++) {
      if (lower(b[i + k]!) !== word.charCodeAt(k)) return NaN;
    }
    NUM_STATUS[0] = FLOAT;
    return neg ? -Infinity : Infinity;
  }
  return NaN;
}

const SPLITTER = 134217729; // 2^27 + 1, for Dekker's exact product
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HI_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO_WORD = 1 - HI_WORD;
/** Half of 0.9999998 ulp for each biased binary exponent (normal doubles). */
const HALF_ULP = new Float64Array(2048);
for (let x = 1; x < 2047; x++) HALF_ULP[x] = 2 ** (x - 1075) * 0.4999999;

/**
 * (m * 10^r2 + m2) / 10^k, correctly rounded, for m < 10^15, m2 < 10^r2, 1 ≤ r2 ≤ 4 and
 * 1 ≤ k ≤ 22; NaN when the result is too close to a rounding boundary to decide cheaply.
 * The mantissa is formed exactly as a double-double (hi + lo), divided with ~2^-100 relative
 * error, and the final rounding is accepted only when it is unambiguous.
 */
function divideCorrectlyRounded(m: number, r2: number, m2: number, k: number): number {
  // hi + lo = m * 10^r2 + m2 exactly (Dekker product + two-sum)
  const f = POW10[r2]!;
  const p = m * f;
  let t = SPLITTER * m;
  const mh = t - (t - m);
  const ml = m - mh;
  t = SPLITTER * f;
  const fh = t - (t - f);
  const fl = f - fh;
  const pe = mh * fh - p + mh * fl + ml * fh + ml * fl + m2; // small integers: exact
  const hi = p + pe;
  const lo = pe - (hi - p);
  if (lo === 0 && hi <= 9007199254740992) return hi / POW10[k]!; // exact mantissa: one rounding
  // q1 + q2 = (hi + lo) / d
  const d = POW10[k]!;
  const q1 = hi / d;
  const qp = q1 * d;
  t = SPLITTER * q1;
  const qh = t - (t - q1);
  const ql = q1 - qh;
  t = SPLITTER * d;
  const dh = t - (t - d);
  const dl = d - dh;
  const qe = qh * dh - qp + qh * dl + ql * dh + ql * dl; // q1 * d = qp + qe exactly
  const q2 = (hi - qp - qe + lo) / d;
  const sum = q1 + q2;
  const bb = sum - q1;
  const rest = q1 - (sum - bb) + (q2 - bb); // q1 + q2 = sum + rest exactly
  F64[0] = sum;
  const word = U32[HI_WORD]!;
  const biased = (word >>> 20) & 0x7ff;
  if (biased === 0 || biased === 0x7ff) return NaN; // subnormal / non-finite: let Number() decide
  if ((word & 0xfffff) === 0 && U32[LO_WORD] === 0) return NaN; // power of two: asymmetric interval
  return Math.abs(rest) < HALF_ULP[biased]! ? sum : NaN;
}

const TWO53 = 9007199254740992;

/**
 * Parse a decimal literal `[+-]?(digits[.digits]|.digits)([eE][+-]?digits)?` or a keyword
 * from b[s, e), correctly rounded like Number(); the outcome is in NUM_STATUS[0].
 * Fast paths, without creating a string: ≤15 significant digits (or a mantissa up to 2^53)
 * with |exponent| ≤ 22 — one exact multiplication/division; 16–19 significant digits with a
 * negative exponent ≥ −22 — exact double-double division with an unambiguity check.
 * Anything else falls back to Number() on the (validated) text.
 */
export function parseNumber(b: Uint8Array, s: number, e: number, buf: Buffer): number {
  let i = s;
  let neg = false;
  let c = b[i]!;
  if (c === 45 || c === 43) {
    neg = c === 45;
    i++;
    if (i === e) {
      NUM_STATUS[0] = NOT_A_NUMBER;
      return NaN;
    }
    c = b[i]!;
  }
  if (!((c >= 48 && c <= 57) || c === 46)) {
    return parseKeyword(b, i, e, neg);
  }
  let m = 0; // first 15 significant digits
  let m2 = 0; // significant digits 16..19
  let r2 = 0; // how many digits are in m2
  let sig = 0;
  let exp10 = 0;
  let isInt = true;
  let slow = false;
  let d = 0;
  // integer part: leading zeros, then digits
  const intStart = i;
  while (i < e && b[i] === 48) i++;
  for (; i < e; i++) {
    d = b[i]! - 48;
    if (d < 0 || d > 9) break;
    if (sig < 15) m = m * 10 + d;
    else if (sig < 19) {
      m2 = m2 * 10 + d;
      r2++;
    } else slow = true;
    sig++;
  }
  let digits = i - intStart;
  if (i < e && b[i] === 46) {
    // fraction
    isInt = false;
    i++;
    const fracStart = i;
    if (sig === 0) {
      while (i < e && b[i] === 48) i++;
      exp10 = fracStart - i;
    }
    for (; i < e; i++) {
      d = b[i]! - 48;
      if (d < 0 || d > 9) break;
      if (sig < 15) {
        m = m * 10 + d;
        exp10--;
      } else if (sig < 19) {
        m2 = m2 * 10 + d;
        r2++;
        exp10--;
      } else slow = true;
      sig++;
    }
    digits += i - fracStart;
  }
  if (digits === 0) {
    NUM_STATUS[0] = NOT_A_NUMBER;
    return NaN;
  }
  if (i < e && (b[i] === 101 || b[i] === 69)) {
    isInt = false;
    i++;
    let eneg = false;
    if (i < e && (b[i] === 45 || b[i] === 43)) {
      eneg = b[i] === 45;
      i++;
    }
    let ex = 0;
    const expStart = i;
    for (; i < e; i++) {
      d = b[i]! - 48;
      if (d < 0 || d > 9) break;
      if (ex < 100000) ex = ex * 10 + d;
    }
    if (i === expStart) {
      NUM_STATUS[0] = NOT_A_NUMBER;
      return NaN;
    }
    exp10 += eneg ? -ex : ex;
  }
  if (i !== e) {
    NUM_STATUS[0] = NOT_A_NUMBER;
    return NaN;
  }
  let v = NaN;
  if (!slow) {
    if (sig === 0) {
      v = 0;
    } else if (r2 === 0) {
      if (exp10 === 0) v = m;
      else if (exp10 < 0 && exp10 >= -22) v = m / POW10[-exp10]!;
      else if (exp10 > 0 && exp10 <= 22) v = m * POW10[exp10]!;
    } else if (exp10 < 0 && exp10 >= -22) {
      v = divideCorrectlyRounded(m, r2, m2, -exp10);
    } else if (exp10 === 0 && m * POW10[r2]! + m2 < TWO53) {
      v = m * POW10[r2]! + m2; // integer of 16 digits below 2^53: exact
    }
  }
  if (v !== v) {
    // grammar already validated, so Number() accepts exactly this text
    v = Number(buf.toString('latin1', neg || b[s] === 43 ? s + 1 : s, e));
    if (isInt && !Number.isSafeInteger(v)) isInt = false;
  }
  NUM_STATUS[0] = isInt ? INT : FLOAT;
  return neg ? -v : v;
}

/** 1 = true, 0 = false, -1 = not a boolean literal (case-insensitive). */
export function parseBoolean(b: Uint8Array, s: number, e: number): number {
  const len = e - s;
  if (len === 4) {
    return lower(b[s]!) === 116 && lower(b[s + 1]!) === 114 && lower(b[s + 2]!) === 117 && lower(b[s + 3]!) === 101 ? 1 : -1;
  }
  if (len === 5) {
    return lower(b[s]!) === 102 && lower(b[s + 1]!) === 97 && lower(b[s + 2]!) === 108 && lower(b[s + 3]!) === 115 && lower(b[s + 4]!) === 101 ? 0 : -1;
  }
  return -1;
}

/** Empty after trimming, `NA` or `null` (exact case). */
export function isMissing(b: Uint8Array, s: number, e: number): boolean {
  const len = e - s;
  if (len === 0) return true;
  if (len === 2) return b[s] === 78 && b[s + 1] === 65;
  if (len === 4) return b[s] === 110 && b[s + 1] === 117 && b[s + 2] === 108 && b[s + 3] === 108;
  return false;
}
