// The loss plot's smoothing: TensorBoard's exponential moving average with its bias correction
// (divided by 1 − weightⁿ, so the first points are not pulled toward 0), only as strong as the
// noise needs: its time constant leaves the point-to-point noise at about 2% of the values'
// spread. gpt's one-document losses get about 25 points; the other scenes' full-batch losses,
// smooth already, get none, so no curve trails its data. Causal, so the newest value is a
// steady average of the recent past (a centred window, tried too, has to stop short of the
// newest point or shrink to it). The plot smooths the values as plotted: on its log scale,
// log10(y), which makes the average a geometric mean.

const NOISE_LEFT = 0.02;   // smoothing leaves noise this fraction of the values' spread

/** The bias-corrected exponential moving average of the points' y, as strong as timeConstant() says. */
export function smoothed(points) {
  const tau = timeConstant(points.map(([, y]) => y));
  if (tau < 1) return points;
  const weight = 1 - 1 / tau;
  let average = 0;
  return points.map(([x, y], n) => {
    average = weight * average + (1 - weight) * y;
    return [x, average / (1 - weight ** (n + 1))];
  });
}

/** Points an average must span to leave white noise at NOISE_LEFT of the values' spread: the
 * noise σ is read from neighbours' differences (their median size is 0.954 σ), and an average
 * of time constant τ divides σ by about √(2τ). At most an eighth of the points. */
function timeConstant(ys) {
  const spread = Math.max(...ys) - Math.min(...ys);
  if (ys.length < 8 || !(spread > 0)) return 0;
  const steps = ys.slice(1).map((y, i) => Math.abs(y - ys[i])).sort((a, b) => a - b);
  const noise = steps[steps.length >> 1] / 0.954;
  return Math.min((noise / (NOISE_LEFT * spread)) ** 2 / 2, ys.length / 8);
}
