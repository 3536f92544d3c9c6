/**
 * A small, dependency-free SVG line chart for the HTML report: step lines over virtual time, with
 * axes, ticks, reference lines and a legend. Pure string building, so the output is deterministic.
 */

/** One line of a chart. */
export interface ChartLine {
  readonly name: string;
  readonly color: string;
  /** SVG `stroke-dasharray`, to tell overlapping lines apart. */
  readonly dash?: string;
  /** Sample times, in ms. */
  readonly t: readonly number[];
  /** Values at those times. */
  readonly values: readonly number[];
}

/** A dashed horizontal (`y`) or vertical (`x`, in ms) reference line with a label. */
export type ChartReference =
  { readonly y: number; readonly label: string } | { readonly x: number; readonly label: string };

/** What to draw. */
export interface LineChartInput {
  readonly title: string;
  readonly yLabel: string;
  readonly lines: readonly ChartLine[];
  /** Right end of the time axis, in ms. */
  readonly xMaxMs: number;
  readonly references?: readonly ChartReference[];
  /** @default 1100 */
  readonly width?: number;
  /** @default 300 */
  readonly height?: number;
}

/** Escape text for HTML and SVG. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const fmt = (value: number): string => String(Math.round(value * 10) / 10);

/** "Nice" tick step (1, 2 or 5 × 10^k) giving about `count` ticks over `[0, max]`. */
export function niceStep(max: number, count: number): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const residual = raw / magnitude;
  const nice = residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1;
  return nice * magnitude;
}

/** Time-axis step in ms: milliseconds, seconds or minutes that read well. */
function timeStep(maxMs: number): number {
  const candidates = [
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000,
    600_000, 900_000, 1_800_000, 3_600_000,
  ];
  for (const step of candidates) if (maxMs / step <= 10) return step;
  return niceStep(maxMs, 10);
}

/** `90000` → `1:30`, `5000` → `5 s`, `250` → `250 ms` (the format follows the tick step). */
export function formatTime(ms: number, stepMs: number): string {
  if (stepMs < 1000) return ms >= 1000 ? `${fmt(ms / 1000)} s` : `${fmt(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (stepMs < 60_000 && ms < 120_000) return `${seconds} s`;
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/**
 * Render a line chart as an `<svg>` element.
 *
 * @example
 * ```ts
 * lineChart({ title: 'Instances ready', yLabel: 'instances', xMaxMs: 60_000, lines: [...] });
 * ```
 */
export function lineChart(input: LineChartInput): string {
  const width = input.width ?? 1100;
  const height = input.height ?? 300;
  const margin = { top: 44, right: 24, bottom: 44, left: 64 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const xMax = input.xMaxMs > 0 ? input.xMaxMs : 1;
  let dataMax = 0;
  for (const line of input.lines) for (const v of line.values) if (v > dataMax) dataMax = v;
  for (const ref of input.references ?? []) if ('y' in ref && ref.y > dataMax) dataMax = ref.y;
  const yStep = niceStep(dataMax * 1.05, 5);
  const yMax = Math.max(yStep, Math.ceil((dataMax * 1.05) / yStep) * yStep);
  const x = (ms: number): number => margin.left + (Math.min(ms, xMax) / xMax) * plotW;
  const y = (v: number): number => margin.top + plotH - (v / yMax) * plotH;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(input.title)}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin.left}" y="22" class="chart-title">${escapeXml(input.title)}</text>`,
  );
  // Grid and y ticks.
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    const yy = fmt(y(v));
    out.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${yy}" y2="${yy}" class="grid"/>`,
      `<text x="${margin.left - 8}" y="${yy}" class="tick" text-anchor="end" dominant-baseline="middle">${fmt(v)}</text>`,
    );
  }
  // X ticks.
  const xStep = timeStep(xMax);
  for (let t = 0; t <= xMax + 1e-9; t += xStep) {
    const xx = fmt(x(t));
    out.push(
      `<line x1="${xx}" x2="${xx}" y1="${margin.top + plotH}" y2="${margin.top + plotH + 5}" class="axis"/>`,
      `<text x="${xx}" y="${margin.top + plotH + 20}" class="tick" text-anchor="middle">${formatTime(t, xStep)}</text>`,
    );
  }
  out.push(
    `<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}" class="axis"/>`,
    `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" class="axis"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 6}" class="label" text-anchor="middle">virtual time since the rollout started</text>`,
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" class="label" text-anchor="middle">${escapeXml(input.yLabel)}</text>`,
  );
  // Reference lines; horizontal labels alternate right-above and left-below, so close lines stay legible.
  let horizontal = 0;
  for (const ref of input.references ?? []) {
    if ('y' in ref) {
      const yy = fmt(y(ref.y));
      const label =
        horizontal++ % 2 === 0
          ? `<text x="${margin.left + plotW - 4}" y="${fmt(y(ref.y) - 5)}" class="ref-label" text-anchor="end">${escapeXml(ref.label)}</text>`
          : `<text x="${margin.left + 6}" y="${fmt(y(ref.y) + 14)}" class="ref-label">${escapeXml(ref.label)}</text>`;
      out.push(
        `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${yy}" y2="${yy}" class="ref"/>`,
        label,
      );
    } else if (ref.x <= xMax) {
      const xx = fmt(x(ref.x));
      out.push(
        `<line x1="${xx}" x2="${xx}" y1="${margin.top}" y2="${margin.top + plotH}" class="ref"/>`,
        `<text x="${fmt(x(ref.x) + 4)}" y="${margin.top + 12}" class="ref-label">${escapeXml(ref.label)}</text>`,
      );
    }
  }
  // Lines, as steps: a value holds until the next sample. A sample that repeats the one before adds
  // nothing to draw (a day of samples would otherwise add 100,000 segments per line).
  for (const line of input.lines) {
    if (line.t.length === 0) continue;
    let d = `M${fmt(x(line.t[0]!))} ${fmt(y(line.values[0]!))}`;
    for (let i = 1; i < line.t.length && line.t[i]! <= xMax; i++) {
      if (line.values[i] === line.values[i - 1]) continue;
      d += `H${fmt(x(line.t[i]!))}V${fmt(y(line.values[i]!))}`;
    }
    d += `H${fmt(x(xMax))}`;
    const dash = line.dash ? ` stroke-dasharray="${line.dash}"` : '';
    out.push(
      `<path d="${d}" fill="none" stroke="${line.color}" stroke-width="2.2" stroke-linejoin="round"${dash}><title>${escapeXml(line.name)}</title></path>`,
    );
  }
  // Legend, top right.
  let lx = margin.left + plotW;
  const legend: string[] = [];
  for (const line of [...input.lines].reverse()) {
    const textWidth = 7.2 * line.name.length;
    lx -= textWidth + 34;
    const dash = line.dash ? ` stroke-dasharray="${line.dash}"` : '';
    legend.push(
      `<line x1="${fmt(lx)}" x2="${fmt(lx + 22)}" y1="18" y2="18" stroke="${line.color}" stroke-width="3"${dash}/>`,
      `<text x="${fmt(lx + 27)}" y="22" class="legend">${escapeXml(line.name)}</text>`,
    );
  }
  out.push(...legend, '</svg>');
  return out.join('\n');
}
