// Order statistics for samples in milliseconds (nearest-rank percentiles).

export function percentile(samples, p) {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(samples) {
  return {
    n: samples.length,
    median: percentile(samples, 50),
    p95: percentile(samples, 95),
    min: Math.min(...samples),
    max: Math.max(...samples),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
  };
}

/** Formats milliseconds with a precision that suits their size. */
export function ms(x) {
  if (!Number.isFinite(x)) return '—';
  if (x < 1) return `${x.toFixed(3)} ms`;
  if (x < 100) return `${x.toFixed(2)} ms`;
  return `${x.toFixed(0)} ms`;
}

export function ratio(x) {
  return Number.isFinite(x) ? `${x.toFixed(2)}×` : '—';
}

/** Bytes as kB or MB (1 kB = 1,000 bytes). */
export function kB(bytes) {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}
