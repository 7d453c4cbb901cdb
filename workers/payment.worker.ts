// Worker process for the `payment` task queue only; scale it by running more of these.
import { main } from './run-workers';

main(['payment']);
