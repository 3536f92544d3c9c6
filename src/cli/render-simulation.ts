/**
 * The outputs `phasegate simulate` prints or writes, rendered from one simulation: the same function
 * in the worker thread and in a run that stays in the calling thread, so both give the same bytes.
 */
import {
  formatSimulationTable,
  renderSimulationHtml,
  simulationToJson,
  type Scenario,
  type SimulationOutcome,
} from '../index.js';

/** The rendered outputs of a simulation. */
export interface RenderedSimulation {
  /** The human table (`formatSimulationTable`). */
  readonly table: string;
  /** The JSON (`simulationToJson`). */
  readonly json: string;
  /** The HTML report, when asked for. */
  readonly html: string | undefined;
}

/** Render `outcome` of simulating `scenario`; the HTML report only when `report` is true. */
export function renderSimulation(
  outcome: SimulationOutcome,
  scenario: Scenario,
  report: boolean,
): RenderedSimulation {
  return {
    table: formatSimulationTable(outcome.result, scenario),
    json: simulationToJson(outcome.result),
    html: report ? renderSimulationHtml(outcome, scenario) : undefined,
  };
}
