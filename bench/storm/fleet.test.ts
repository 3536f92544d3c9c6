import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetInstance, pollReadyAndWarm, spawnFleet, stopFleet, type FleetCommand } from './fleet.js';

/** A process that runs until it is stopped, with `marker` in its command line. */
function idle(marker: string): FleetCommand {
  return { file: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)', marker], cwd: process.cwd() };
}

/** Pids of running processes whose command line holds `marker`. */
function running(marker: string): number[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(marker) && !line.includes('ps -eo'))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

const markers: string[] = [];
function newMarker(): string {
  const marker = `storm-fleet-test-${randomBytes(6).toString('hex')}`;
  markers.push(marker);
  return marker;
}

afterEach(() => {
  for (const marker of markers.splice(0)) for (const pid of running(marker)) process.kill(pid, 'SIGKILL');
});

describe('FleetInstance', () => {
  it('counts a process that could not be spawned as exited, so stopping the fleet does not hang', async () => {
    const instance = new FleetInstance('storm-1', 1, {}, { ...idle(newMarker()), cwd: '/nonexistent/storm' });
    await expect(instance.exited).resolves.toEqual({ code: null, signal: null });
    expect(instance.tail()).toContain('ENOENT');
    await expect(stopFleet([instance], 1_000)).resolves.toEqual([{ code: null, signal: null }]);
  });
});

describe('spawnFleet', () => {
  it('stops the instances already spawned when a later one cannot be', async () => {
    const marker = newMarker();
    const failure = new Error('no environment for instance 3');
    const env = (i: number): Record<string, string> => {
      if (i === 2) throw failure;
      return {};
    };
    await expect(spawnFleet(3, env, idle(marker))).rejects.toBe(failure);
    expect(running(marker)).toEqual([]);
  });

  it('spawns them all, each with its name and port', async () => {
    const marker = newMarker();
    const fleet = await spawnFleet(2, () => ({}), idle(marker));
    try {
      expect(fleet.map((instance) => instance.name)).toEqual(['storm-1', 'storm-2']);
      expect(new Set(fleet.map((instance) => instance.port)).size).toBe(2);
    } finally {
      const exits = await stopFleet(fleet, 5_000);
      expect(exits.map((exit) => exit.signal)).toEqual(['SIGTERM', 'SIGTERM']);
    }
    expect(running(marker)).toEqual([]);
  });
});

describe('pollReadyAndWarm', () => {
  it('stops polling and rejects with the reason as soon as the signal aborts', async () => {
    let polls = 0;
    // An instance that never answers: without the signal, the poll runs until the deadline.
    const instance = {
      readyAt: undefined,
      exit: undefined,
      get: () => {
        polls++;
        return Promise.resolve({ status: 0, body: '' });
      },
    } as unknown as FleetInstance;
    const controller = new AbortController();
    const polling = pollReadyAndWarm(instance, Date.now() + 3_600_000, { signal: controller.signal });
    const reason = new Error('storm: interrupted by SIGINT');
    controller.abort(reason);
    await expect(polling).rejects.toBe(reason);
    expect(polls).toBeLessThanOrEqual(1);
  });
});
