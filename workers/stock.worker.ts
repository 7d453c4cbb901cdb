// Worker process for the `stock` task queue only; scale it by running more of these.
import { main } from './run-workers';

main(['stock']);
