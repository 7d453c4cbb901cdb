/**
 * What a transition returns besides the new state. Events are past tense and are exactly what the order
 * timeline shows; persistence adds sequence numbers and timestamps, so the domain stays clock-free.
 */
export interface DomainEvent<T extends string = string> {
  readonly type: T;
  readonly data: Readonly<Record<string, unknown>>;
}

export function domainEvent<T extends string>(type: T, data: Readonly<Record<string, unknown>> = {}): DomainEvent<T> {
  return { type, data };
}
