/**
 * Model settings for the simulator's unit tests (not built into the package: see
 * tsconfig.build.json). Small, round numbers, so the tests' expected times can be worked out by hand.
 */
import type { ConnectorOptions } from './connector.js';
import type { DatabaseOptions } from './database.js';

/** A connector of 2 slots, 100 ms per setup, scaling by 2 after 1 s of queueing and a 5 s delay. */
export const connectorOptions = (over: Partial<ConnectorOptions> = {}): ConnectorOptions => ({
  slots: 2,
  maxSlots: 2,
  step: 2,
  setupMs: 100,
  pressureMs: 1_000,
  scaleUpDelayMs: 5_000,
  maxSetupsPerSecond: Infinity,
  ...over,
});

/** A database of 5 connections (3 reserved), 10 ms accepts, 5 ms authentication, 1 ms queries. */
export const databaseOptions = (over: Partial<DatabaseOptions> = {}): DatabaseOptions => ({
  maxConnections: 5,
  reserved: 3,
  otherClients: 0,
  acceptMs: 10,
  authMs: 5,
  queryMs: 1,
  backlog: 100,
  restart: undefined,
  ...over,
});
