/**
 * On a terminal, a live list of phases and components redrawn in place as startup progresses, with
 * log lines scrolling above it. Plain ANSI escapes; no dependency.
 */

import { plainText } from '../common/plain-text.js';
import { Writable } from 'node:stream';
import type {
  ComponentSnapshot,
  ComponentState,
  PhaseState,
  StartupSnapshot,
} from '../orchestrator/snapshot.js';

/** The part of a TTY stream the live view uses. */
export interface LiveViewStream {
  /** Writes a chunk of text: log lines and the escapes that redraw the view. */
  write(chunk: string): unknown;
  /** Terminal width; lines are cut to it so that a redraw never wraps. */
  readonly columns?: number;
}

/** Options of {@link LiveView}; every field is optional. */
export interface LiveViewOptionsInput {
  /** Use colours. @default true unless the `NO_COLOR` environment variable is set */
  readonly color?: boolean;
  /** Wall-clock time in epoch ms, for the running time of phases. @default Date.now */
  readonly now?: () => number;
  /** Title of the first line. @default 'startup' */
  readonly title?: string;
}

const ESC = '\u001b[';
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

type Paint = (code: string, text: string) => string;

const PHASE_MARK: Record<PhaseState, [string, string]> = {
  pending: ['·', '2'],
  running: ['', '36'],
  done: ['✓', '32'],
  failed: ['✗', '31'],
  skipped: ['-', '2'],
};

const COMPONENT_MARK: Record<ComponentState, [string, string]> = {
  pending: ['·', '2'],
  starting: ['', '36'],
  ready: ['✓', '32'],
  degraded: ['!', '33'],
  unhealthy: ['!', '31'],
  failed: ['✗', '31'],
  stopping: ['■', '2'],
  stopped: ['■', '2'],
};

/** `1234` → `'1.2 s'`, `56` → `'56 ms'`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function componentDetail(component: ComponentSnapshot): string {
  const parts: string[] = [component.state];
  if (component.attempts > 1) parts.push(`attempt ${component.attempts}`);
  if (component.pool)
    parts.push(`pool ${component.pool.open}/${component.pool.target} (max ${component.pool.max})`);
  if (component.breaker && component.breaker !== 'closed') parts.push(`breaker ${component.breaker}`);
  if (component.lastError && component.state !== 'ready') {
    parts.push(plainText(`${component.lastError.class}: ${component.lastError.message}`));
  }
  if (!component.critical) parts.push('optional');
  return parts.join('  ');
}

/**
 * The lines of the live view for one snapshot (without escapes for cursor movement).
 *
 * @param frame Animation frame, for the spinner of running phases.
 */
export function renderSnapshot(
  snapshot: StartupSnapshot,
  now: number,
  options: { color?: boolean; frame?: number; title?: string } = {},
): string[] {
  const paint: Paint = options.color === false ? (_c, t) => t : (c, t) => `${ESC}${c}m${t}${ESC}0m`;
  const spin = SPINNER[(options.frame ?? 0) % SPINNER.length]!;
  const lines = [
    `${paint('1', options.title ?? 'startup')}  ${snapshot.status}  availability ${snapshot.availability}`,
  ];
  for (const phase of snapshot.phases) {
    const [mark, code] = PHASE_MARK[phase.state];
    const took =
      phase.durationMs !== null
        ? formatDuration(phase.durationMs)
        : phase.startedAt !== null
          ? formatDuration(Math.max(0, now - phase.startedAt))
          : '';
    lines.push(` ${paint(code, mark || spin)} ${plainText(phase.name).padEnd(14)} ${took}`.trimEnd());
    for (const component of snapshot.components.filter((c) => c.phase === phase.name)) {
      const [cMark, cCode] = COMPONENT_MARK[component.state];
      lines.push(
        `     ${paint(cCode, cMark || spin)} ${plainText(component.name).padEnd(16)} ${componentDetail(component)}`,
      );
    }
  }
  return lines;
}

/** Cut a line to `width` visible characters, keeping escape sequences intact. */
function fit(line: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\u001b') {
      const end = line.indexOf('m', i);
      // Only our own colour escapes reach here (snapshot text goes through plainText()); one without its
      // `m` would otherwise send the loop back to the start of the line, for ever.
      if (end === -1) break;
      out += line.slice(i, end + 1);
      i = end;
      continue;
    }
    if (visible >= width - 1) continue;
    out += line[i];
    visible++;
  }
  return out;
}

/**
 * A region at the bottom of a terminal that is redrawn on every {@link LiveView.update}; text
 * written through {@link LiveView.stream} appears above it.
 *
 * @example
 * ```ts
 * const view = new LiveView(process.stdout);
 * const logger = createLogger({ stream: view.stream });
 * orchestrator.onEvent(() => view.update(orchestrator.snapshot()));
 * ```
 */
export class LiveView {
  /** A stream for log lines: each write clears the region, writes the text, and redraws. */
  readonly stream: Writable;
  private drawn = 0;
  private last: StartupSnapshot | undefined;
  private frame = 0;
  private closed = false;
  private readonly color: boolean;
  private readonly now: () => number;
  private readonly title: string;

  /**
   * Draws nothing until the first {@link LiveView.update}.
   * @param out Where the region is drawn (`process.stdout`, usually a terminal).
   */
  constructor(
    private readonly out: LiveViewStream,
    options: LiveViewOptionsInput = {},
  ) {
    this.color = options.color ?? process.env.NO_COLOR === undefined;
    this.now = options.now ?? Date.now;
    this.title = options.title ?? 'startup';
    this.stream = new Writable({
      write: (chunk: Buffer | string, _encoding, callback) => {
        this.print(chunk.toString());
        callback();
      },
    });
  }

  /** Redraw the region from `snapshot`. */
  update(snapshot: StartupSnapshot): void {
    if (this.closed) return;
    this.last = snapshot;
    this.frame++;
    this.out.write(this.erase() + this.draw());
  }

  /** Write `text` above the region (it scrolls with the terminal). */
  print(text: string): void {
    if (this.closed) {
      this.out.write(text);
      return;
    }
    this.out.write(this.erase() + text + (text.endsWith('\n') ? '' : '\n') + this.draw());
  }

  /** Stop redrawing; the last drawn state stays on screen. Later writes go straight through. */
  close(): void {
    this.closed = true;
    this.drawn = 0;
  }

  private erase(): string {
    if (this.drawn === 0) return '';
    const sequence = `${ESC}${this.drawn}F${ESC}J`;
    this.drawn = 0;
    return sequence;
  }

  private draw(): string {
    if (!this.last) return '';
    // A pseudo-terminal without a size reports 0 columns.
    const columns = this.out.columns ?? 0;
    const width = columns >= 20 ? columns : 120;
    const lines = renderSnapshot(this.last, this.now(), {
      color: this.color,
      frame: this.frame,
      title: this.title,
    }).map((line) => fit(line, width));
    this.drawn = lines.length;
    return lines.join('\n') + '\n';
  }
}
