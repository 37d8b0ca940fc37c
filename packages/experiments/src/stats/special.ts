/**
 * The special functions the tests need, to about 1e-14 relative (checked against SciPy to 1e-9 in
 * test/special.test.ts): log-gamma, log-beta, the regularized incomplete gamma and beta functions,
 * and from them the normal, Student-t and chi-square tails and quantiles. Algorithms: Lanczos
 * (g = 7, n = 9) below 10 and Stirling's series above for log-gamma; R's `lbeta` decomposition so
 * that large degrees of freedom lose no digits; Numerical Recipes' series and Lentz continued
 * fractions for the incomplete functions; Newton iterations on those tails for the quantiles.
 */

const LN_SQRT_2PI = 0.9189385332046728;
const LN_SQRT_PI = 0.5723649429247001;
const EPS = 1e-16;
const TINY = 1e-300;

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** Stirling's correction: lnΓ(x) − [(x − ½) ln x − x + ln √(2π)], for x ≥ 10. */
function lgammaCorrection(x: number): number {
  const x2 = 1 / (x * x);
  return (
    (1 / x) *
    (1 / 12 +
      x2 *
        (-1 / 360 + x2 * (1 / 1260 + x2 * (-1 / 1680 + x2 * (1 / 1188 + x2 * (-691 / 360360 + x2 / 156))))))
  );
}

/** ln Γ(x) for x > 0. */
export function lnGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`lnGamma needs x > 0, got ${x}`);
  if (x === 0.5) return LN_SQRT_PI;
  if (x >= 10) return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + lgammaCorrection(x);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < 9; i++) sum += (LANCZOS[i] as number) / (z + i);
  const t = z + 7.5;
  return LN_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln B(a, b), without the cancellation of lnΓ(a) + lnΓ(b) − lnΓ(a + b) when a or b is large. */
export function lnBeta(a: number, b: number): number {
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  if (p >= 10) {
    const corr = lgammaCorrection(p) + lgammaCorrection(q) - lgammaCorrection(p + q);
    return (
      -0.5 * Math.log(q) +
      LN_SQRT_2PI +
      corr +
      (p - 0.5) * Math.log(p / (p + q)) +
      q * Math.log1p(-p / (p + q))
    );
  }
  if (q >= 10) {
    const corr = lgammaCorrection(q) - lgammaCorrection(p + q);
    return lnGamma(p) + corr + p - p * Math.log(p + q) + (q - 0.5) * Math.log1p(-p / (p + q));
  }
  return lnGamma(p) + lnGamma(q) - lnGamma(p + q);
}

/** Regularized lower and upper incomplete gamma P(a, x), Q(a, x). */
export function gammaPQ(a: number, x: number): { p: number; q: number } {
  if (x <= 0) return { p: 0, q: 1 };
  const front = Math.exp(-x + a * Math.log(x) - lnGamma(a));
  if (x < a + 1) {
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let n = 0; n < 100_000; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * EPS) break;
    }
    const p = sum * front;
    return { p, q: 1 - p };
  }
  // Continued fraction for Q (modified Lentz).
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  const q = front * h;
  return { p: 1 - q, q };
}

/** Continued fraction of the incomplete beta function (Numerical Recipes `betacf`, modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 1_000_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/**
 * The regularized incomplete beta I_x(a, b), given x and y = 1 − x (both, so a caller that knows
 * y more exactly than 1 − x, such as the t tail, loses nothing) and their logarithms.
 */
function incompleteBeta(a: number, b: number, x: number, y: number, lnX: number, lnY: number): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  const front = Math.exp(a * lnX + b * lnY - lnBeta(a, b));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, y)) / b;
}

/** I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  return incompleteBeta(a, b, x, 1 - x, Math.log(x), Math.log1p(-x));
}

/** erfc(x), for any real x. */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 0.5) {
    // erf by its Taylor series (alternating, but |x| < 0.5 loses nothing)
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < Math.abs(sum) * EPS) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  return gammaPQ(0.5, x * x).q;
}

/** P(Z > z) for a standard normal Z. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** P(Z ≤ z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** The standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LN_SQRT_2PI);
}

/** z with P(Z > z) = q, for 0 < q < 1. */
export function normalIsf(q: number): number {
  if (!(q > 0 && q < 1)) throw new RangeError(`normalIsf needs 0 < q < 1, got ${q}`);
  if (q > 0.5) return -normalIsf(1 - q);
  if (q === 0.5) return 0;
  // Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4), then Newton on the exact tail.
  const t = Math.sqrt(-2 * Math.log(q));
  let z =
    t -
    (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t ** 3);
  for (let i = 0; i < 50; i++) {
    const step = (normalSf(z) - q) / normalPdf(z);
    z += step;
    if (Math.abs(step) <= 1e-15 * Math.abs(z)) break;
  }
  return z;
}

/** P(|T| > |t|) for Student's t with `df` degrees of freedom (df > 0, not necessarily whole). */
export function studentTTwoSided(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive, got ${df}`);
  if (!Number.isFinite(t)) return 0;
  const r = (t * t) / df; // x = 1/(1 + r), y = r/(1 + r)
  if (r === 0) return 1;
  const lnX = -Math.log1p(r);
  const lnY = Math.log(r) + lnX;
  return incompleteBeta(df / 2, 0.5, 1 / (1 + r), r / (1 + r), lnX, lnY);
}

/** P(T > t). */
export function studentTSf(t: number, df: number): number {
  const two = studentTTwoSided(t, df) / 2;
  return t >= 0 ? two : 1 - two;
}

function studentTPdf(t: number, df: number): number {
  return Math.exp(-lnBeta(df / 2, 0.5) - 0.5 * Math.log(df) - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/** t with P(T > t) = q, for 0 < q < 1. */
export function studentTIsf(q: number, df: number): number {
  if (!(q > 0 && q < 1)) throw new RangeError(`studentTIsf needs 0 < q < 1, got ${q}`);
  if (q > 0.5) return -studentTIsf(1 - q, df);
  if (q === 0.5) return 0;
  // The normal quantile lies below t's; P(T > t) is convex for t > 0, so Newton climbs monotonically.
  let t = normalIsf(q);
  for (let i = 0; i < 500; i++) {
    const step = (studentTSf(t, df) - q) / studentTPdf(t, df);
    t += step;
    if (Math.abs(step) <= 1e-15 * Math.abs(t)) break;
  }
  return t;
}

/** P(X > x) for a chi-square variable with `df` degrees of freedom. */
export function chiSquareSf(x: number, df: number): number {
  return gammaPQ(df / 2, x / 2).q;
}
