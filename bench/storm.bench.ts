/**
 * The real storm against the simulator's prediction (bench/storm/run.ts), in `npm run bench`. It
 * takes about a minute: an embedded Postgres, a connector proxy and 10 processes of the example.
 * On its own: `npm run bench:storm` (or `npm run bench -- storm`).
 */
import run from './storm/run.js';
import { isMain } from './run.js';

export default (): ReturnType<typeof run> => run();

if (isMain(import.meta.url)) console.log(JSON.stringify(await run(), null, 2));
