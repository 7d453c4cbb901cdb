// The hosts of `npm run cluster` and their addresses: every part of the system on a host of its own,
// as a real deployment would place them. The payment context has four hosts: two run from the start,
// the scaling steps and the autoscaler use all four.
import type { Host } from './netns';
import { SUBNET } from './netns';

export const WORKER_HOSTS = {
  orders: 'orders',
  stock: 'stock',
  credit: 'credit',
  shipment: 'shipment',
} as const;
export const PAYMENT_HOSTS = ['pay1', 'pay2', 'pay3', 'pay4'] as const;
export type PaymentHost = (typeof PAYMENT_HOSTS)[number];
export const API_HOSTS = ['api1', 'api2'] as const;
export type ApiHost = (typeof API_HOSTS)[number];

export const ADDRESSES: Record<string, string> = {
  client: `${SUBNET}.2`,
  postgres: `${SUBNET}.10`,
  temporal: `${SUBNET}.11`,
  lb: `${SUBNET}.20`,
  api1: `${SUBNET}.21`,
  api2: `${SUBNET}.22`,
  orders: `${SUBNET}.31`,
  stock: `${SUBNET}.32`,
  credit: `${SUBNET}.33`,
  shipment: `${SUBNET}.34`,
  pay1: `${SUBNET}.41`,
  pay2: `${SUBNET}.42`,
  pay3: `${SUBNET}.43`,
  pay4: `${SUBNET}.44`,
};

export const PORTS = { postgres: 5432, temporal: 7233, temporalUi: 8233, api: 3000, balancer: 8080, workerHealth: 9400 } as const;

export const HOSTS: Host[] = Object.entries(ADDRESSES).map(([name, ip]) => ({ name, ip }));
export const WORKER_IPS = [...Object.values(WORKER_HOSTS), ...PAYMENT_HOSTS].map((h) => ADDRESSES[h]!);
export const addr = (host: string): string => ADDRESSES[host]!;
