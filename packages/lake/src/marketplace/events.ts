/**
 * The marketplace events the generator emits: EventBridge detail-types, their sources and detail
 * shapes (version `v: 1`). Their JSON Schemas live in packages/contracts/events/.
 */
export interface MarketplaceDetails {
  'user.registered': { user_id: string; city_id: string; is_seller: boolean; signup_channel: string };
  'search.impression': {
    impression_id: string;
    search_id: string;
    user_id: string;
    city_id: string;
    service_id: string;
    category: string;
    position: number;
    is_promoted: boolean;
  };
  'search.click': {
    click_id: string;
    impression_id: string;
    user_id: string;
    city_id: string;
    service_id: string;
  };
  'profile.viewed': {
    view_id: string;
    click_id: string | null;
    user_id: string;
    city_id: string;
    service_id: string;
  };
  'checkout.started': {
    checkout_id: string;
    view_id: string;
    booking_id: string;
    user_id: string;
    city_id: string;
    service_id: string;
    amount: number;
    currency: string;
  };
  'booking.leg.status_changed': {
    booking_id: string;
    leg_id: string;
    status: 'requested' | 'confirmed' | 'declined' | 'completed' | 'cancelled';
    previous_status: string | null;
    cancelled_by: 'buyer' | 'seller' | null;
    user_id: string;
    seller_id: string;
    service_id: string;
    city_id: string;
    amount: number;
    fee_amount: number;
    currency: string;
    scheduled_for: string;
  };
  'payment.captured': {
    payment_id: string;
    booking_id: string;
    leg_id: string;
    user_id: string;
    city_id: string;
    amount: number;
    currency: string;
    method: 'card' | 'wallet' | 'bank_transfer';
  };
  'refund.issued': {
    refund_id: string;
    payment_id: string;
    booking_id: string;
    leg_id: string;
    user_id: string;
    city_id: string;
    amount: number;
    currency: string;
    reason: 'cancelled' | 'service_issue' | 'dispute_lost';
  };
  'payout.status_changed': {
    payout_id: string;
    status: 'scheduled' | 'paid' | 'failed';
    leg_id: string;
    seller_id: string;
    city_id: string;
    amount: number;
    currency: string;
  };
  'dispute.status_changed': {
    dispute_id: string;
    status: 'opened' | 'won' | 'lost';
    booking_id: string;
    leg_id: string;
    user_id: string;
    seller_id: string;
    city_id: string;
    reason: string;
    amount: number;
  };
  'promotion.interaction': {
    promo_event_id: string;
    campaign_id: string;
    service_id: string;
    user_id: string;
    city_id: string;
    kind: 'impression' | 'click' | 'invalid';
  };
  'promotion.charged': { charge_id: string; campaign_id: string; amount: number; currency: string };
  'review.submitted': {
    review_id: string;
    booking_id: string;
    leg_id: string;
    user_id: string;
    seller_id: string;
    service_id: string;
    city_id: string;
    rating: number;
  };
}

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
