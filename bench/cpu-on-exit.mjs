// Preloaded (`node --import`) into a process the simulator benchmark starts: at exit, write the
// process's CPU time (user + system, every thread: the simulation's worker included) to the file
// named by PHASEGATE_BENCH_CPU_FILE, since a parent cannot read a child's CPU time in Node.
import { writeFileSync } from 'node:fs';
import process from 'node:process';

const file = process.env.PHASEGATE_BENCH_CPU_FILE;
if (file) process.on('exit', () => writeFileSync(file, JSON.stringify(process.cpuUsage())));
