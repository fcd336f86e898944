// Axis ticks a person can read: round numbers (1, 2 or 5 times a power of ten), and powers of
// ten on a log scale.

/** About `count` round values from lo to hi, a tickStep() apart. */
export function niceTicks(lo, hi, count, least = 0) {
  if (!(hi > lo)) return [lo];
  const step = tickStep(lo, hi, count, least), ticks = [];
  for (let k = Math.ceil(lo / step); k * step <= hi + step * 1e-9; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** 1, 2 or 5 × 10^k, at least `least`: the one that cuts lo..hi into the nearest to `count` parts. */
export function tickStep(lo, hi, count, least = 0) {
  const power = 10 ** Math.floor(Math.log10((hi - lo) / Math.max(count, 1)));
  const parts = (s) => Math.abs((hi - lo) / s - count);
  const step = [1, 2, 5, 10].map((m) => m * power).reduce((best, s) => (parts(s) < parts(best) ? s : best));
  return Math.max(step, least);
}

/** Ticks for a log axis spanning log10 values lo..hi, as values: the powers of ten inside,
 * with 2 and 5 times them where that is too few, and round values where even that is. */
export function logTicks(lo, hi, count) {
  for (const multiples of [[1], [1, 2, 5]]) {
    const ticks = [];
    for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) {
      for (const m of multiples) {
        const v = m * 10 ** k, at = Math.log10(v);
        if (at >= lo - 1e-9 && at <= hi + 1e-9) ticks.push(Number(v.toPrecision(12)));
      }
    }
    if (ticks.length >= 2) return thinned(ticks, count);
  }
  return niceTicks(10 ** lo, 10 ** hi, count).filter((v) => v > 0);
}

/** Every k-th tick, so at most about `count` remain. */
function thinned(ticks, count) {
  const k = Math.ceil(ticks.length / Math.max(count, 1));
  return ticks.filter((_, i) => i % k === 0);
}

/** A tick's label: short, no float noise (0.30000000000000004 → 0.3), exponents when far from 1. */
export function tickLabel(v) {
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return Number(v.toPrecision(6)).toExponential().replace("e+", "e");
  return String(Number(v.toPrecision(6)));
}
