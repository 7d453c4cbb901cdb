// The saga as a picture: the four steps left to right with arrows, each drawn in its state, and,
// when the saga unwound, the compensations that ran (in reverse) drawn beneath them.
import type { JSX } from 'preact';
import { describeSaga, type SagaStep, type StepState } from '../saga-steps';

const TITLES = { stock: 'Stock', credit: 'Credit', payment: 'Payment', shipment: 'Shipment' };
const UNDO = { stock: 'stock released', credit: 'credit released', payment: 'payment refunded', shipment: '' };

function Icon({ state }: { state: StepState }) {
  const paths: Record<StepState, JSX.Element> = {
    done: <path d="M6 12.5l4 4 8-9" />,
    failed: <path d="M7 7l10 10M17 7L7 17" />,
    compensated: <path d="M9 7L5 11l4 4M5 11h9a4 4 0 010 8h-3" />,
    pending: <path d="M12 7v5l3 3" />,
    skipped: <path d="M7 12h10" />,
  };
  return (
    <svg class="step-icon" viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false">
      <circle cx="12" cy="12" r="11" />
      {paths[state]}
    </svg>
  );
}

export function SagaPicture({ steps }: { steps: readonly SagaStep[] }) {
  const undone = steps.filter((s) => s.state === 'compensated').reverse();
  return (
    <figure class="saga" aria-labelledby="saga-caption">
      <figcaption id="saga-caption">The saga, step by step</figcaption>
      <ol class="saga-steps" aria-describedby="saga-summary">
        {steps.map((step) => (
          <li key={step.name} class={`saga-step step-${step.state}`} data-step={step.name} data-state={step.state}>
            <Icon state={step.state} />
            <span class="step-title">{TITLES[step.name]}</span>
            <span class="step-state">{step.state}</span>
            <span class="step-note">{step.note}</span>
            {step.compensationFailures > 0 ? (
              <span class="step-warning">⚠ {step.compensationFailures} failed undo attempt{step.compensationFailures === 1 ? '' : 's'}</span>
            ) : null}
          </li>
        ))}
      </ol>
      {undone.length > 0 ? (
        <p class="saga-undo" data-testid="saga-undo">
          <span aria-hidden="true">↩ </span>Undone in reverse order: {undone.map((s) => UNDO[s.name]).join(', then ')}.
        </p>
      ) : null}
      <p id="saga-summary" class="sr-only">{describeSaga(steps)}</p>
    </figure>
  );
}
