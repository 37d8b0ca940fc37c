import { type Permission, parkInDeadLetter, type Route, writeTraces } from './lib/route.ts';

/** DSAR intake: conditional writes to the deletion queue in the `State` table. */
const writeDeletionQueue: Permission = {
  actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  resource: 'state-table',
};

/**
 * The route table: which events and schedules run which function, with what limits and
 * permissions. SST subscriptions and schedules (stacks/), the local bus and the README's event
 * catalogue are generated from this list.
 */
export const routes = [
  {
    id: 'notify-deploy',
    kind: 'event',
    description: 'Tell the team in chat when a deploy succeeds or fails.',
    function: 'notify',
    pattern: {
      source: ['marketplace.deploy'],
      'detail-type': ['deploy.succeeded', 'deploy.failed'],
      detail: { v: [1] },
    },
    timeoutSeconds: 10,
    memoryMB: 256,
    permissions: [parkInDeadLetter, writeTraces],
  },
  {
    id: 'dsar-intake',
    kind: 'event',
    description: 'Record a deleted user in the DSAR deletion queue for the nightly purge.',
    function: 'dsar-intake',
    pattern: {
      source: ['marketplace.accounts'],
      'detail-type': ['user.tombstoned'],
      detail: { v: [1] },
    },
    timeoutSeconds: 10,
    memoryMB: 256,
    permissions: [parkInDeadLetter, writeTraces, writeDeletionQueue],
  },
] as const satisfies readonly Route[];

export type RouteId = (typeof routes)[number]['id'];

/** The route with this id; throws on an unknown id (a typo in wiring, caught at cold start). */
export function routeById(id: string): Route {
  const route = (routes as readonly Route[]).find((r) => r.id === id);
  if (!route) throw new Error(`no route '${id}' in functions/routes.ts`);
  return route;
}
