import type { EventDetails } from '@lakeops/contracts';

/**
 * The marketplace events the generator emits (EventBridge detail-types, version 1). Their shapes
 * come from the schemas in packages/contracts/events/ (generated types), without `v`.
 */
export type MarketplaceDetails = {
  [K in
    | 'user.registered'
    | 'search.impression'
    | 'search.click'
    | 'profile.viewed'
    | 'checkout.started'
    | 'booking.leg.status_changed'
    | 'payment.captured'
    | 'refund.issued'
    | 'payout.status_changed'
    | 'dispute.status_changed'
    | 'promotion.interaction'
    | 'promotion.charged'
    | 'review.submitted']: Omit<EventDetails[K][1], 'v'>;
};

export type MarketplaceDetailType = keyof MarketplaceDetails;

export const marketplaceSources: Readonly<Record<MarketplaceDetailType, string>> = {
  'user.registered': 'marketplace.accounts',
  'search.impression': 'marketplace.search',
  'search.click': 'marketplace.search',
  'profile.viewed': 'marketplace.search',
  'checkout.started': 'marketplace.bookings',
  'booking.leg.status_changed': 'marketplace.bookings',
  'payment.captured': 'marketplace.payments',
  'refund.issued': 'marketplace.payments',
  'payout.status_changed': 'marketplace.payments',
  'dispute.status_changed': 'marketplace.trust',
  'promotion.interaction': 'marketplace.promotions',
  'promotion.charged': 'marketplace.promotions',
  'review.submitted': 'marketplace.reviews',
};

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
