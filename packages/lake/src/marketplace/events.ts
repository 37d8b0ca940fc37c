import { type EventDetails, listSchemas } from '@lakeops/contracts';

/** The detail-types the synthetic marketplace emits (version 1). */
export const marketplaceDetailTypes = [
  'user.registered',
  'search.impression',
  'search.click',
  'profile.viewed',
  'checkout.started',
  'booking.leg.status_changed',
  'payment.captured',
  'refund.issued',
  'payout.status_changed',
  'dispute.status_changed',
  'promotion.interaction',
  'promotion.charged',
  'review.submitted',
  'message.sent',
  'action_card.status_changed',
  'notification.status_changed',
  'doc.status_changed',
  'verification.completed',
  'studio.updated',
  'device.seen',
  'api.request.sampled',
  'waf.block',
  'alarm.triggered',
  'exp.exposed',
] as const satisfies readonly (keyof EventDetails)[];

export type MarketplaceDetailType = (typeof marketplaceDetailTypes)[number];

/**
 * The marketplace events the generator emits (EventBridge detail-types, version 1). Their shapes
 * come from the schemas in packages/contracts/events/ (generated types), without `v`.
 */
export type MarketplaceDetails = {
  [K in MarketplaceDetailType]: Omit<EventDetails[K][1], 'v'>;
};

/**
 * The EventBridge `source` of each marketplace detail-type, read from its schema's `x-source`
 * (the first one when a schema lists several): the contract says who sends it, nothing restates it.
 */
export function sourcesFromSchemas<T extends string>(types: readonly T[]): Readonly<Record<T, string>> {
  const out = {} as Record<T, string>;
  const schemas = listSchemas();
  for (const type of types) {
    const schema = schemas.filter((s) => s.detailType === type).at(-1)?.schema as
      | { 'x-source'?: unknown }
      | undefined;
    const declared = [schema?.['x-source'] ?? []].flat()[0];
    if (typeof declared !== 'string') throw new Error(`the schema of ${type} declares no x-source`);
    out[type] = declared;
  }
  return out;
}

export const marketplaceSources: Readonly<Record<MarketplaceDetailType, string>> =
  sourcesFromSchemas(marketplaceDetailTypes);

/** An EventBridge event as it lands in Bronze. */
export interface MarketplaceEvent<T extends MarketplaceDetailType = MarketplaceDetailType> {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': T;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: MarketplaceDetails[T] & { readonly v: 1 };
}
