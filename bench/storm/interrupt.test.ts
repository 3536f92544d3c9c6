import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { INTERRUPT_SIGNALS, interruptOn } from './interrupt.js';

function listening(source: EventEmitter): number {
  return INTERRUPT_SIGNALS.reduce((sum, name) => sum + source.listenerCount(name), 0);
}

describe('interruptOn', () => {
  it('aborts on the first signal, names it, and leaves the next one to the default action', () => {
    const source = new EventEmitter();
    const heard: string[] = [];
    const interrupt = interruptOn(source, (signal) => heard.push(signal));
    expect(listening(source)).toBe(3);
    expect(interrupt.exitCode()).toBeUndefined();

    source.emit('SIGINT');
    expect(interrupt.signal.aborted).toBe(true);
    expect((interrupt.signal.reason as Error).message).toBe('storm: interrupted by SIGINT');
    expect(interrupt.exitCode()).toBe(130);
    expect(heard).toEqual(['SIGINT']);
    // No listener left: a second Ctrl-C ends the process at once.
    expect(listening(source)).toBe(0);
  });

  it('gives each signal its exit code', () => {
    for (const [name, code] of [
      ['SIGTERM', 143],
      ['SIGHUP', 129],
    ] as const) {
      const source = new EventEmitter();
      const interrupt = interruptOn(source);
      source.emit(name);
      expect(interrupt.exitCode()).toBe(code);
    }
  });

  it('dispose removes every listener and is idempotent', () => {
    const source = new EventEmitter();
    const interrupt = interruptOn(source);
    interrupt.dispose();
    interrupt.dispose();
    expect(listening(source)).toBe(0);
    expect(interrupt.signal.aborted).toBe(false);
  });
});
