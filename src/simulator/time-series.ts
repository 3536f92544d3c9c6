/**
 * The time series a simulation records for its report, one column per figure.
 */

/** Names of the recorded figures. */
export type SeriesName = 'ready' | 'connections' | 'attemptsInFlight' | 'connectorSlots';

/** The recorded columns, as plain arrays (JSON-friendly). */
export interface SeriesData {
  /** Virtual times of the samples, in ms. */
  readonly t: readonly number[];
  /** Instances ready. */
  readonly ready: readonly number[];
  /** Connections open at the database (including other clients'). */
  readonly connections: readonly number[];
  /** Connection attempts in progress. */
  readonly attemptsInFlight: readonly number[];
  /** Connector setup slots. */
  readonly connectorSlots: readonly number[];
}

/**
 * Columnar samples taken at a fixed interval of virtual time.
 *
 * @example
 * ```ts
 * const series = new TimeSeries();
 * series.push(0, 0, 3, 0, 50);
 * series.data().connections; // [3]
 * ```
 */
export class TimeSeries {
  private readonly t: number[] = [];
  private readonly ready: number[] = [];
  private readonly connections: number[] = [];
  private readonly inFlight: number[] = [];
  private readonly slots: number[] = [];

  /** Record one sample. */
  push(time: number, ready: number, connections: number, attemptsInFlight: number, slots: number): void {
    this.t.push(time);
    this.ready.push(ready);
    this.connections.push(connections);
    this.inFlight.push(attemptsInFlight);
    this.slots.push(slots);
  }

  /** Time of the last sample, or `undefined` when empty. */
  lastTime(): number | undefined {
    return this.t[this.t.length - 1];
  }

  /** Number of samples. */
  get length(): number {
    return this.t.length;
  }

  /** The columns. */
  data(): SeriesData {
    return {
      t: this.t,
      ready: this.ready,
      connections: this.connections,
      attemptsInFlight: this.inFlight,
      connectorSlots: this.slots,
    };
  }
}
