import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildProgram, guardStdout, main, packageVersion, type CliIo } from './main.js';

function recorder(): CliIo & { out_: string; err_: string; codes: number[] } {
  const io = {
    out_: '',
    err_: '',
    codes: [] as number[],
    out(text: string) {
      io.out_ += text;
    },
    err(text: string) {
      io.err_ += text;
    },
    exit(code: number) {
      io.codes.push(code);
    },
  };
  return io;
}

const argv = (...args: string[]): string[] => ['node', 'phasegate', ...args];

describe('phasegate program', () => {
  it('reads its version from package.json', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(packageVersion()).toBe(pkg.version);
    const io = recorder();
    await main(argv('--version'), io);
    expect(io.out_.trim()).toBe(pkg.version);
    expect(io.codes).toEqual([0]);
  });

  it('--help lists the commands and exits 0', async () => {
    const io = recorder();
    await main(argv('--help'), io);
    expect(io.out_).toContain('Usage: phasegate');
    expect(io.out_).toMatch(/plan \[options\]/);
    expect(io.out_).toMatch(/run \[options\] <module>/);
    expect(io.codes).toEqual([0]);
  });

  it('the help command (phasegate help, phasegate help plan) exits 0 as --help does', async () => {
    for (const args of [['help'], ['help', 'plan']]) {
      const io = recorder();
      await main(argv(...args), io);
      expect(io.out_).toContain('Usage: phasegate');
      expect(io.codes).toEqual([0]);
    }
  });

  it("a mistyped option or a stray argument carrying a URL's password is reported without the password", async () => {
    for (const args of [
      ['plan', '--instances', '2', '--database-uri=postgres://app:hunter2@db/app'],
      ['plan', '--instances', '2', '--databse-url', 'postgres://app:hunter2@db/app'],
      ['run', 'service.js', '--redis=redis://:hunter2@cache:6379'],
    ]) {
      const io = recorder();
      await main(argv(...args), io);
      expect(io.codes).toEqual([78]);
      expect(io.err_).toMatch(/unknown option|too many arguments/);
      expect(io.err_ + io.out_).not.toContain('hunter2');
    }
  });

  it('phasegate help with an unknown command exits 78 naming it and the commands there are', async () => {
    const io = recorder();
    await main(argv('help', 'nosuch'), io);
    expect(io.err_).toContain("unknown command 'nosuch'");
    expect(io.err_).toContain('plan, simulate, run');
    expect(io.out_).toBe('');
    expect(io.codes).toEqual([78]);
  });

  it('plan --help lists the flags', async () => {
    const io = recorder();
    await main(argv('plan', '--help'), io);
    for (const flag of [
      '--instances',
      '--max-instances',
      '--pool-size',
      '--max-overflow',
      '--pool-min',
      '--pool-max',
      '--max-connections',
      '--reserved',
      '--other-clients',
      '--probe-period',
      '--probe-failure-threshold',
      '--file',
      '--database-url',
      '--json',
    ]) {
      expect(io.out_).toContain(flag);
    }
    // The --file keys too, with the flag each one stands for.
    expect(io.out_).toContain('superuserReserved: 3                           # --reserved');
    expect(io.codes).toEqual([0]);
  });

  it('an unknown flag or command is bad input: exit 78', async () => {
    const unknownFlag = recorder();
    await main(argv('plan', '--pool-sise', '5'), unknownFlag);
    expect(unknownFlag.err_).toContain("unknown option '--pool-sise'");
    expect(unknownFlag.codes).toEqual([78]);

    const unknownCommand = recorder();
    await main(argv('deploy'), unknownCommand);
    expect(unknownCommand.codes).toEqual([78]);
  });

  it('a flag given twice is bad input: exit 78 naming the flag and its first value, nothing run', async () => {
    // Each command's own arguments (plan: a valid plan; run and simulate: files that do not exist,
    // never looked for since the parser refuses first), then the flag twice.
    const plan = ['plan', '--instances', '2', '--pool-max', '10', '--max-connections', '100'];
    // The first value as the message shows it: a URL's password hidden.
    const cases: ReadonlyArray<readonly [readonly string[], string, string, string, string?]> = [
      [plan, '--instances', '2', '20'],
      [plan, '--max-connections', '100', '500'],
      [plan, '--file', 'a.yaml', 'b.yaml'],
      [
        plan,
        '--database-url',
        'postgres://app:hunter2@db/app',
        'postgres://app:hunter3@db2/app',
        'postgres://app:***@db/app',
      ],
      [['run', 'no-such-file'], '--port', '8080', '9090'],
      [['run', 'no-such-file'], '--host', '127.0.0.1', '0.0.0.0'],
      [['run', 'no-such-file'], '--mode', 'deterministic', 'graceful'],
      [['run', 'no-such-file'], '--budget-ms', '60000', '240000'],
      [['simulate', 'no-such-file'], '--instances', '10', '1000'],
      [['simulate', 'no-such-file'], '--seed', '1', '2'],
      [['simulate', 'no-such-file'], '--report', 'a.html', 'b.html'],
    ];
    for (const [command, flag, first, second, shown = first] of cases) {
      const io = recorder();
      await main(argv(...command, flag, first, flag, second), io);
      expect(io.codes, `${command[0]} ${flag}`).toEqual([78]);
      expect(io.err_).toContain(`${flag} was given more than once (first "${shown}"); give ${flag} once`);
      expect(io.err_).not.toContain('no-such-file');
      expect(io.err_ + io.out_).not.toMatch(/hunter[23]/);
      expect(io.out_).toBe('');
    }
  });

  it('runs plan through the program: the incident exits 1', async () => {
    const io = recorder();
    await buildProgram(io).parseAsync(
      [
        'plan',
        '--instances',
        '2',
        '--pool-size',
        '20',
        '--max-overflow',
        '30',
        '--max-connections',
        '100',
        '--json',
      ],
      { from: 'user' },
    );
    expect(JSON.parse(io.out_)).toMatchObject({ fits: false, overcommittedBy: 3 });
    expect(io.codes).toEqual([1]);
  });
});

describe('standard output whose reader has gone', () => {
  const failure = (code: string): Error => Object.assign(new Error(`write ${code}`), { code });

  it.each(['EPIPE', 'EIO'])('drops %s (a closed pipe, a closed terminal) instead of throwing', (code) => {
    const stdout = new EventEmitter();
    guardStdout(stdout);
    expect(() => stdout.emit('error', failure(code))).not.toThrow();
  });

  it('rethrows any other write error', () => {
    const stdout = new EventEmitter();
    guardStdout(stdout);
    expect(() => stdout.emit('error', failure('ENOSPC'))).toThrow('write ENOSPC');
  });
});
