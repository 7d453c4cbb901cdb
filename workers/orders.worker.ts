// Worker process for the `orders` task queue only; scale it by running more of these.
import { main } from './run-workers';

main(['orders']);
