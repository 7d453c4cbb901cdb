// Worker process for the `shipment` task queue only; scale it by running more of these.
import { main } from './run-workers';

main(['shipment']);
