/**
 * The physical lower bound of a scenario: no strategy can make the whole fleet ready sooner, because
 * the connector and the database cannot set up the connections any faster.
 */

import { rangeMin } from './range.js';
import type { Scenario } from './scenario.js';

/** The bound and the figures it was computed from. */
export interface LowerBound {
  /**
   * Earliest time (ms from the start of the rollout) at which every instance can hold `minReady`
   * connections; `null` when the database cannot hold them all at once (no strategy can succeed).
   */
  readonly ms: number | null;
  /** Connection setups needed: `instances × minReady`. */
  readonly setupsNeeded: number;
  /** Connections ordinary roles can hold: `max_connections − reserved − otherClients`. */
  readonly capacity: number;
  /** Which term of the formula decided the bound. */
  readonly limitedBy: 'connector' | 'database' | 'latency' | 'capacity';
}

/**
 * Compute the lower bound. With S = instances × minReady setups needed, every duration at its
 * minimum, and E = the egress delay:
 *
 * - **Connector**: `slots(t)` starts at `slots` and grows by `step` (up to `maxSlots`) at
 *   `E + k·(pressureMs + min scaleUpDelayMs)` for k = 1, 2, …, the earliest the scale-outs could
 *   complete if setups queued from the first moment. A slot completes at most one setup per
 *   `min setupMs`, so the S-th setup cannot leave the connector before `Ts`, the solution of
 *   `∫_E^Ts slots(t) / setupMs dt = S`. Setups start at most `maxSetupsPerSecond` a second, one
 *   every `1000 / maxSetupsPerSecond` ms from E, so the S-th cannot start before
 *   `E + (S − 1) · 1000 / maxSetupsPerSecond` nor leave before `Tr`, that plus `setupMs`. It leaves
 *   no earlier than `Tc = max(Ts, Tr)`.
 * - **Database**: accepts are serial, `acceptMs` each, and the first cannot arrive before
 *   `E + setupMs`; so the S-th accept ends no earlier than `max(Tc + acceptMs, E + setupMs + S·acceptMs)`.
 * - **Latency**: the last instance starts at `startSpreadMs` (a fleet of one starts at 0, as in
 *   `runFleet`) and needs at least one full setup: `lastStart + E + setupMs + acceptMs`.
 *
 * `lowerBoundMs = max(connector, database, latency) + authMs`. When S exceeds the capacity, it is
 * `null`. The bound ignores the database restart window and query round trips, which can only make
 * the true optimum later, so it stays a lower bound.
 *
 * @example
 * ```ts
 * lowerBound(scenario).ms; // e.g. 1234.5
 * ```
 */
export function lowerBound(scenario: Scenario): LowerBound {
  const { connector, database, fleet, platform, service } = scenario;
  const setupsNeeded = fleet.instances * service.minReady;
  const capacity = database.maxConnections - database.reserved - database.otherClients;
  if (setupsNeeded > capacity) return { ms: null, setupsNeeded, capacity, limitedBy: 'capacity' };

  const egress = rangeMin(platform.egressDelayMs);
  const setup = rangeMin(connector.setupMs);
  const accept = rangeMin(database.acceptMs);
  const auth = rangeMin(database.authMs);

  const connectorDone = connectorFinish(scenario, setupsNeeded, egress, setup);
  // runFleet starts instance i at spread × i / (n − 1): the last at the end of the spread, a lone
  // one at once.
  const lastStart = fleet.instances > 1 ? fleet.startSpreadMs : 0;
  const terms = {
    connector: connectorDone + accept,
    database: egress + setup + setupsNeeded * accept,
    latency: lastStart + egress + setup + accept,
  };
  let limitedBy: LowerBound['limitedBy'] = 'connector';
  for (const key of ['database', 'latency'] as const) {
    if (terms[key] > terms[limitedBy]) limitedBy = key;
  }
  return { ms: terms[limitedBy] + auth, setupsNeeded, capacity, limitedBy };
}

/** Earliest time the S-th setup can leave the connector, `Tc` (see {@link lowerBound}). */
function connectorFinish(scenario: Scenario, setups: number, egress: number, setupMs: number): number {
  const c = scenario.connector;
  // The rate limits starts, not completions: the first setup starts at E, not 1 / rate after it.
  const rateDone =
    c.maxSetupsPerSecond === undefined
      ? egress + setupMs
      : egress + ((setups - 1) * 1000) / c.maxSetupsPerSecond + setupMs;
  return Math.max(slotsFinish(scenario, setups, egress, setupMs), rateDone);
}

/** Earliest time the S-th setup can leave the connector's slots, `Ts` (see {@link lowerBound}). */
function slotsFinish(scenario: Scenario, setups: number, egress: number, setupMs: number): number {
  const c = scenario.connector;
  if (setupMs <= 0) return egress;
  const maxSlots = c.maxSlots ?? c.slots;
  const step = c.step ?? c.slots;
  const stepEvery = c.pressureMs + rangeMin(c.scaleUpDelayMs);
  let slots = stepEvery > 0 ? c.slots : maxSlots;
  let start = egress;
  let remaining = setups;
  for (let k = 1; ; k++) {
    const rate = slots / setupMs;
    const end = slots < maxSlots ? egress + k * stepEvery : Infinity;
    const capacity = (end - start) * rate;
    if (capacity >= remaining) return start + remaining / rate;
    remaining -= capacity;
    start = end;
    slots = Math.min(maxSlots, slots + step);
  }
}

/**
 * The least time one process needs from its own start to become ready, every duration at its
 * minimum: its egress delay, then its `minReady` connections, the slowest of
 *
 * - one setup, then its accepts one after another;
 * - its setups through the connector's slots (`maxSlots` at most): `ceil(minReady / maxSlots)`
 *   setups one after another, then the last one's accept;
 * - its setups started `1000 / maxSetupsPerSecond` ms apart: the last one's start, setup and accept;
 *
 * and authentication. A process not ready within `platform.startupWindowMs` is killed, and its
 * restart waits for egress again; so when this exceeds the window no instance can ever become
 * ready, whatever the strategy (the `egress-blackout` example).
 *
 * @example
 * ```ts
 * if (instanceReadyFloorMs(scenario) > scenario.platform.startupWindowMs) console.log('no instance can start');
 * ```
 */
export function instanceReadyFloorMs(scenario: Scenario): number {
  const { connector, database, platform, service } = scenario;
  const setup = rangeMin(connector.setupMs);
  const accept = rangeMin(database.acceptMs);
  const needed = service.minReady;
  const slotRounds = Math.ceil(needed / (connector.maxSlots ?? connector.slots));
  const spacing = connector.maxSetupsPerSecond === undefined ? 0 : 1000 / connector.maxSetupsPerSecond;
  return (
    rangeMin(platform.egressDelayMs) +
    Math.max(setup + needed * accept, slotRounds * setup + accept, (needed - 1) * spacing + setup + accept) +
    rangeMin(database.authMs)
  );
}
