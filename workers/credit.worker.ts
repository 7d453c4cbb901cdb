// Worker process for the `credit` task queue only; scale it by running more of these.
import { main } from './run-workers';

main(['credit']);
