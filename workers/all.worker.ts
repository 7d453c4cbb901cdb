// One process serving every task queue (used by `npm start`); `--contexts stock,credit` narrows it.
import { main, parseContexts } from './run-workers';

const flag = process.argv.indexOf('--contexts');
main(parseContexts(flag >= 0 ? process.argv[flag + 1] : process.env.WORKER_CONTEXTS));
