export { EventsInputInvalidError } from './errors.ts';
export { type BusRule, type Delivery, type Invoke, LocalEventBus, type Routed } from './local-event-bus.ts';
export {
  type BusEvent,
  type EnvelopeDefaults,
  fromEntry,
  localEnvelope,
  type PutEventsEntry,
  parseEventsInput,
} from './put-events-input.ts';
