/** A small inline SVG line chart (no styles: presentation attributes only, CSP-safe). */

export interface SparklineProps {
  values: readonly number[];
  label: string;
  widthPx?: number;
  heightPx?: number;
}

/** Polyline points scaled into the box; a flat line for constant or single values. */
export function computeSparkPoints(values: readonly number[], w: number, h: number): string {
  if (values.length === 0) return "";
  const max = Math.max(...values);
  const min = Math.min(...values);
  const span = max - min || 1;
  const step = values.length > 1 ? w / (values.length - 1) : 0;
  return values
    .map((v, i) => `${(i * step).toFixed(1)},${(h - 2 - ((v - min) / span) * (h - 4)).toFixed(1)}`)
    .join(" ");
}

export function Sparkline({ values, label, widthPx = 240, heightPx = 48 }: SparklineProps) {
  return (
    <svg
      class="spark"
      viewBox={`0 0 ${widthPx} ${heightPx}`}
      width={widthPx}
      height={heightPx}
      role="img"
      aria-label={label}
    >
      <title>{label}</title>
      <polyline
        points={computeSparkPoints(values, widthPx, heightPx)}
        fill="none"
        stroke="currentColor"
        stroke-width="2"
      />
    </svg>
  );
}
