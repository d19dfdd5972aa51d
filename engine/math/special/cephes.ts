/**
 * Helpers shared by the ports of cephes / xsf (scipy.special's C sources): machine constants of
 * cephes const.c and the polynomial evaluators of polevl.h.
 */

export const MACHEP = 1.1102230246251565404236316680908203125e-16; // 2^-53
export const MAXLOG = 7.097827128933839730962063185871e2; // log(DBL_MAX)
export const MINLOG = -7.451332191019412076235245305675398106812e2; // log(2^-1075)
export const DBL_EPSILON = 2 ** -52;

export function polevl(x: number, coef: readonly number[]): number {
  let ans = coef[0]!;
  for (let i = 1; i < coef.length; i++) ans = ans * x + coef[i]!;
  return ans;
}

/** Like polevl with an implied leading coefficient 1. */
export function p1evl(x: number, coef: readonly number[]): number {
  let ans = x + coef[0]!;
  for (let i = 1; i < coef.length; i++) ans = ans * x + coef[i]!;
  return ans;
}

/** p clipped to [0, 1]. */
export function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/** x · 2^e without overflowing the intermediate power of two. */
export function ldexp(x: number, e: number): number {
  let r = x;
  let k = e;
  while (k > 1000) {
    r *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    r *= 2 ** -1000;
    k += 1000;
  }
  return r * 2 ** k;
}

/** cephes ratevl: rational function num/denom evaluated in x or, for |x| > 1, in 1/x. */
export function ratevl(x: number, num: readonly number[], denom: readonly number[]): number {
  const M = num.length - 1;
  const N = denom.length - 1;
  const absx = Math.abs(x);
  let numAns: number;
  let denAns: number;
  if (absx > 1) {
    const y = 1 / x;
    numAns = num[M]!;
    for (let i = M - 1; i >= 0; i--) numAns = numAns * y + num[i]!;
    denAns = denom[N]!;
    for (let i = N - 1; i >= 0; i--) denAns = denAns * y + denom[i]!;
    return (Math.pow(x, M - N) * numAns) / denAns;
  }
  numAns = num[0]!;
  for (let i = 1; i <= M; i++) numAns = numAns * x + num[i]!;
  denAns = denom[0]!;
  for (let i = 1; i <= N; i++) denAns = denAns * x + denom[i]!;
  return numAns / denAns;
}
