/** The event bus and the dead-letter queue every function parks permanent failures in. */
export function busStack() {
  const bus = new sst.aws.Bus('Events');
  // 14 days: time for an operator to look at a parked event and redrive it.
  const deadLetter = new sst.aws.Queue('DeadLetter', {
    transform: { queue: (args) => void Object.assign(args, { messageRetentionSeconds: 14 * 24 * 3600 }) },
  });
  return { bus, deadLetter };
}

export type Messaging = ReturnType<typeof busStack>;
