// Where an operator sees an order's saga in Temporal's Web UI (workflow id `order-<orderId>`, docs/API.md).
import type { ConsoleConfig } from '../api';

export function temporalLink(config: ConsoleConfig | null, orderId: string): string | null {
  if (!config?.temporalUiUrl) return null;
  const ui = config.temporalUiUrl.replace(/\/$/, '');
  return `${ui}/namespaces/${encodeURIComponent(config.temporalNamespace)}/workflows/order-${encodeURIComponent(orderId)}`;
}
