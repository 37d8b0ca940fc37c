import type { ColumnDefinition, ColumnType, Sensitivity, TableDefinition, Zone } from '@lakeops/core';

// The table catalog as data. Types are Hive/Glue spellings; dialect.ts maps them per engine.
// Sensitivity: public < internal < confidential (identifies a person) < restricted (hashed contact data).

const money: ColumnType = 'decimal(12,2)';
type Extra = Omit<ColumnDefinition, 'name' | 'type' | 'sensitivity'>;
const col = (
  name: string,
  type: ColumnType,
  sensitivity: Sensitivity,
  extra: Extra = {},
): ColumnDefinition => ({
  name,
  type,
  sensitivity,
  ...extra,
});
const id = (name: string, extra: Extra = {}) => col(name, 'string', 'internal', extra);
const userId = (name = 'user_id') => col(name, 'string', 'confidential');
const ts = (name = 'occurred_at') => col(name, 'timestamp', 'internal');
const city = () => col('city_id', 'string', 'public', { checks: { references: 'silver.dim_city.city_id' } });
const service = (nullable = false) =>
  col('service_id', 'string', 'public', {
    nullable,
    checks: { references: 'silver.dim_service_profile.service_id' },
  });
const buyer = () =>
  col('user_id', 'string', 'confidential', { checks: { references: 'silver.dim_user_public.user_id' } });

function table(
  zone: Zone,
  name: string,
  description: string,
  columns: readonly ColumnDefinition[],
  keys: { partitionKeys?: readonly string[]; primaryKey: readonly string[]; userColumns?: readonly string[] },
): TableDefinition {
  return {
    zone,
    name,
    description,
    format: zone === 'bronze' ? 'ndjson' : 'parquet',
    columns,
    partitionKeys: keys.partitionKeys ?? ['dt'],
    primaryKey: keys.primaryKey,
    userColumns: keys.userColumns ?? [],
  };
}

// ---- Bronze: as it arrived -------------------------------------------------------------------

/** Every EventBridge event, whole, as NDJSON under `bronze/events/dt=…/hour=…/`. */
export const bronzeEvents = table(
  'bronze',
  'events',
  'Every event as received (EventBridge envelope, detail as JSON text); append-only, immutable.',
  [
    id('id'),
    col('detail_type', 'string', 'public', { sourceName: 'detail-type' }),
    col('source', 'string', 'public'),
    col('account', 'string', 'internal', { nullable: true }),
    col('region', 'string', 'internal', { nullable: true }),
    col('time', 'string', 'internal'),
    col('detail', 'string', 'confidential', { description: 'The event detail as JSON text.' }),
  ],
  { partitionKeys: ['dt', 'hour'], primaryKey: [], userColumns: [] },
);

const snapshot = (
  name: string,
  description: string,
  columns: readonly ColumnDefinition[],
  userColumns: string[] = [],
) =>
  table('bronze', name, description, [...columns, col('exported_at', 'string', 'internal')], {
    primaryKey: [],
    userColumns,
  });

/** Daily export of the accounts service (contact data hashed at export; raw values never leave it). */
export const bronzeAccountsSnapshot = snapshot(
  'accounts_snapshot',
  'Daily export of user accounts; email and phone arrive already hashed.',
  [
    userId(),
    col('city_id', 'string', 'public'),
    col('signup_at', 'string', 'internal'),
    col('is_seller', 'boolean', 'internal'),
    col('email_sha256', 'string', 'restricted'),
    col('phone_sha256', 'string', 'restricted', { nullable: true }),
  ],
  ['user_id'],
);
export const bronzeServicesSnapshot = snapshot(
  'services_snapshot',
  'Daily export of published service profiles.',
  [
    id('service_id'),
    col('seller_id', 'string', 'confidential'),
    col('city_id', 'string', 'public'),
    col('category', 'string', 'public'),
    col('title', 'string', 'public'),
    col('base_price', 'double', 'public'),
    col('listed_at', 'string', 'internal'),
  ],
  ['seller_id'],
);
export const bronzeCampaignsSnapshot = snapshot(
  'campaigns_snapshot',
  'Daily export of promotion campaigns.',
  [
    id('campaign_id'),
    col('seller_id', 'string', 'confidential'),
    id('service_id'),
    col('city_id', 'string', 'public'),
    col('daily_budget', 'double', 'internal'),
    col('cost_per_click', 'double', 'internal'),
    col('starts_on', 'string', 'internal'),
    col('ends_on', 'string', 'internal'),
  ],
  ['seller_id'],
);
export const bronzeCitiesSnapshot = snapshot('cities_snapshot', 'Reference list of cities served.', [
  id('city_id'),
  col('name', 'string', 'public'),
  col('country_code', 'string', 'public'),
  col('timezone', 'string', 'public'),
  col('currency', 'string', 'public'),
]);

// ---- Silver: typed and curated ---------------------------------------------------------------

const silver = (
  name: string,
  description: string,
  columns: readonly ColumnDefinition[],
  keys: { primaryKey: readonly string[]; userColumns?: readonly string[]; partitionKeys?: readonly string[] },
) => table('silver', name, description, columns, keys);

export const factSearchImpressions = silver(
  'fact_search_impressions',
  'One row per search result shown; partitioned by day and city (the largest table, and the grain analysts are filtered by).',
  [
    id('impression_id'),
    id('search_id'),
    buyer(),
    service(),
    col('position', 'integer', 'internal', { checks: { min: 1, max: 50 } }),
    col('is_promoted', 'boolean', 'internal'),
    ts(),
  ],
  { primaryKey: ['impression_id'], userColumns: ['user_id'], partitionKeys: ['dt', 'city_id'] },
);
export const factSearchClicks = silver(
  'fact_search_clicks',
  'One row per click on a search result; joins impressions on impression_id.',
  [
    id('click_id'),
    id('impression_id', { checks: { references: 'silver.fact_search_impressions.impression_id' } }),
    buyer(),
    city(),
    service(),
    ts(),
  ],
  { primaryKey: ['click_id'], userColumns: ['user_id'] },
);
export const factProfileViews = silver(
  'fact_profile_views',
  'One row per service profile view (search → profile).',
  [
    id('view_id'),
    id('click_id', { nullable: true, checks: { references: 'silver.fact_search_clicks.click_id' } }),
    buyer(),
    city(),
    service(),
    ts(),
  ],
  { primaryKey: ['view_id'], userColumns: ['user_id'] },
);
export const factCheckouts = silver(
  'fact_checkouts',
  'One row per checkout started (profile → checkout).',
  [
    id('checkout_id'),
    id('view_id', { checks: { references: 'silver.fact_profile_views.view_id' } }),
    id('booking_id'),
    buyer(),
    city(),
    service(),
    col('amount', money, 'internal'),
    col('currency', 'string', 'public'),
    ts(),
  ],
  { primaryKey: ['checkout_id'], userColumns: ['user_id'] },
);
const legStatuses = ['requested', 'confirmed', 'declined', 'completed', 'cancelled'];
export const factBookingLegs = silver(
  'fact_booking_legs',
  'One row per booking leg status change, with a snapshot of the leg at that moment.',
  [
    id('change_id'),
    id('booking_id'),
    id('leg_id'),
    col('status', 'string', 'public', { checks: { accepted: legStatuses } }),
    col('previous_status', 'string', 'public', { nullable: true }),
    col('cancelled_by', 'string', 'public', { nullable: true, checks: { accepted: ['buyer', 'seller'] } }),
    buyer(),
    col('seller_id', 'string', 'confidential', { checks: { references: 'silver.dim_user_public.user_id' } }),
    service(),
    city(),
    col('amount', money, 'internal', { checks: { min: 0 } }),
    col('fee_amount', money, 'internal', { checks: { min: 0 } }),
    col('currency', 'string', 'public'),
    col('scheduled_for', 'timestamp', 'internal'),
    ts(),
  ],
  { primaryKey: ['change_id'], userColumns: ['user_id', 'seller_id'] },
);
export const factPayments = silver(
  'fact_payments',
  'One row per captured payment (one per confirmed leg).',
  [
    id('payment_id'),
    id('booking_id'),
    id('leg_id'),
    buyer(),
    city(),
    col('amount', money, 'internal', { checks: { min: 0 } }),
    col('currency', 'string', 'public'),
    col('method', 'string', 'public', { checks: { accepted: ['card', 'wallet', 'bank_transfer'] } }),
    ts(),
  ],
  { primaryKey: ['payment_id'], userColumns: ['user_id'] },
);
export const factRefunds = silver(
  'fact_refunds',
  'One row per refund issued.',
  [
    id('refund_id'),
    id('payment_id', { checks: { references: 'silver.fact_payments.payment_id' } }),
    id('booking_id'),
    id('leg_id'),
    buyer(),
    city(),
    col('amount', money, 'internal', { checks: { min: 0 } }),
    col('currency', 'string', 'public'),
    col('reason', 'string', 'public'),
    ts(),
  ],
  { primaryKey: ['refund_id'], userColumns: ['user_id'] },
);
export const factPayouts = silver(
  'fact_payouts',
  'One row per payout status change (scheduled → paid).',
  [
    id('payout_id'),
    col('status', 'string', 'public', { checks: { accepted: ['scheduled', 'paid', 'failed'] } }),
    id('leg_id'),
    col('seller_id', 'string', 'confidential'),
    city(),
    col('amount', money, 'internal', { checks: { min: 0 } }),
    col('currency', 'string', 'public'),
    ts(),
  ],
  { primaryKey: ['payout_id', 'status'], userColumns: ['seller_id'] },
);
export const factDisputes = silver(
  'fact_disputes',
  'One row per dispute status change (opened → won | lost).',
  [
    id('dispute_id'),
    col('status', 'string', 'public', { checks: { accepted: ['opened', 'won', 'lost'] } }),
    id('booking_id'),
    id('leg_id'),
    buyer(),
    col('seller_id', 'string', 'confidential'),
    city(),
    col('reason', 'string', 'public'),
    col('amount', money, 'internal'),
    ts(),
  ],
  { primaryKey: ['dispute_id', 'status'], userColumns: ['user_id', 'seller_id'] },
);
export const factPromotionsEvents = silver(
  'fact_promotions_events',
  'Promoted-slot impressions, clicks and invalid (filtered) clicks.',
  [
    id('promo_event_id'),
    id('campaign_id', { checks: { references: 'silver.dim_campaign.campaign_id' } }),
    service(),
    buyer(),
    city(),
    col('kind', 'string', 'public', { checks: { accepted: ['impression', 'click', 'invalid'] } }),
    ts(),
  ],
  { primaryKey: ['promo_event_id'], userColumns: ['user_id'] },
);
export const factPromotionsSpend = silver(
  'fact_promotions_spend',
  'One row per charge against a campaign budget.',
  [
    id('charge_id'),
    id('campaign_id', { checks: { references: 'silver.dim_campaign.campaign_id' } }),
    col('amount', money, 'internal', { checks: { min: 0 } }),
    col('currency', 'string', 'public'),
    ts(),
  ],
  { primaryKey: ['charge_id'] },
);
export const factReviews = silver(
  'fact_reviews',
  'One row per review of a completed leg.',
  [
    id('review_id'),
    id('booking_id'),
    id('leg_id'),
    buyer(),
    col('seller_id', 'string', 'confidential'),
    service(),
    city(),
    col('rating', 'integer', 'public', { checks: { min: 1, max: 5 } }),
    ts(),
  ],
  { primaryKey: ['review_id'], userColumns: ['user_id', 'seller_id'] },
);
export const dimUserPublic = silver(
  'dim_user_public',
  'Users without personal data: no email, phone or their hashes.',
  [
    col('user_id', 'string', 'confidential'),
    city(),
    col('signup_date', 'date', 'internal'),
    col('is_seller', 'boolean', 'internal'),
  ],
  { primaryKey: ['user_id'], userColumns: ['user_id'], partitionKeys: [] },
);
/** Experiment exposures (issue 15): see models/silver/dim_exposure.sql for dedup and anon stitching. */
export const dimExposure = silver(
  'dim_exposure',
  'First exposure of each user (or not-yet-linked anon id) to each experiment, from exp.exposed; anon ids stitched to users; units seen in two variants flagged.',
  [
    col('exp_key', 'string', 'public'),
    col('unit_id', 'string', 'confidential', {
      description: 'user_id, or "anon:" + anon_id when no user is linked.',
    }),
    col('user_id', 'string', 'confidential', { nullable: true }),
    col('anon_id', 'string', 'confidential', { nullable: true }),
    col('variant', 'string', 'public'),
    col('exposed_at', 'timestamp', 'internal'),
    col('checkpoint', 'string', 'public', { nullable: true }),
    col('exposures', 'bigint', 'internal', { checks: { min: 1 } }),
    col('conflicting_variants', 'boolean', 'internal'),
  ],
  { primaryKey: ['exp_key', 'unit_id'], userColumns: ['user_id', 'unit_id'], partitionKeys: [] },
);
export const dimServiceProfile = silver(
  'dim_service_profile',
  'Published service profiles.',
  [
    id('service_id'),
    col('seller_id', 'string', 'confidential', { checks: { references: 'silver.dim_user_public.user_id' } }),
    city(),
    col('category', 'string', 'public'),
    col('title', 'string', 'public'),
    col('base_price', money, 'public'),
    col('listed_at', 'timestamp', 'internal'),
  ],
  { primaryKey: ['service_id'], userColumns: ['seller_id'], partitionKeys: [] },
);
export const dimCity = silver(
  'dim_city',
  'Cities served.',
  [
    id('city_id'),
    col('name', 'string', 'public'),
    col('country_code', 'string', 'public'),
    col('timezone', 'string', 'public'),
    col('currency', 'string', 'public'),
  ],
  { primaryKey: ['city_id'], partitionKeys: [] },
);
export const dimCampaign = silver(
  'dim_campaign',
  'Promotion campaigns and their budgets.',
  [
    id('campaign_id'),
    col('seller_id', 'string', 'confidential'),
    service(),
    city(),
    col('daily_budget', money, 'internal', { checks: { min: 0 } }),
    col('cost_per_click', money, 'internal', { checks: { min: 0 } }),
    col('starts_on', 'date', 'internal'),
    col('ends_on', 'date', 'internal'),
  ],
  { primaryKey: ['campaign_id'], userColumns: ['seller_id'], partitionKeys: [] },
);

const seller = () =>
  col('seller_id', 'string', 'confidential', { checks: { references: 'silver.dim_user_public.user_id' } });
const anyUser = (name: string) =>
  col(name, 'string', 'confidential', { checks: { references: 'silver.dim_user_public.user_id' } });

export const factMessages = silver(
  'fact_messages',
  'One row per message sent in a booking thread (its length, never its text).',
  [
    id('message_id'),
    id('thread_id'),
    id('booking_id'),
    anyUser('sender_id'),
    anyUser('recipient_id'),
    col('sender_role', 'string', 'public', { checks: { accepted: ['buyer', 'seller'] } }),
    city(),
    col('body_length', 'integer', 'internal', { checks: { min: 1, max: 10_000 } }),
    ts(),
  ],
  { primaryKey: ['message_id'], userColumns: ['sender_id', 'recipient_id'] },
);
export const factActionCards = silver(
  'fact_action_cards',
  'One row per action card status change (created → completed | dismissed | expired).',
  [
    id('change_id'),
    id('card_id'),
    anyUser('user_id'),
    city(),
    col('kind', 'string', 'public', {
      checks: {
        accepted: ['confirm_booking', 'upload_document', 'verify_identity', 'reply_message', 'leave_review'],
      },
    }),
    col('status', 'string', 'public', {
      checks: { accepted: ['created', 'completed', 'dismissed', 'expired'] },
    }),
    ts(),
  ],
  { primaryKey: ['change_id'], userColumns: ['user_id'] },
);
export const notificationStatuses = ['sent', 'delivered', 'bounced', 'complained', 'opened', 'clicked'];
export const factNotifications = silver(
  'fact_notifications',
  'One row per notification status change: sent, delivered, bounced, complained, opened, clicked. No address: the recipient is a user id.',
  [
    id('change_id'),
    id('notification_id'),
    anyUser('user_id'),
    col('channel', 'string', 'public', { checks: { accepted: ['email', 'sms', 'push'] } }),
    col('template', 'string', 'public'),
    col('status', 'string', 'public', { checks: { accepted: notificationStatuses } }),
    ts(),
  ],
  { primaryKey: ['change_id'], userColumns: ['user_id'] },
);
export const factDocs = silver(
  'fact_docs',
  'One row per seller document status change (uploaded → approved | rejected); no document content.',
  [
    id('change_id'),
    id('doc_id'),
    seller(),
    id('studio_id', { nullable: true, checks: { references: 'silver.dim_studio.studio_id' } }),
    col('kind', 'string', 'public', {
      checks: { accepted: ['id_document', 'insurance', 'licence', 'studio_permit'] },
    }),
    col('status', 'string', 'public', { checks: { accepted: ['uploaded', 'approved', 'rejected'] } }),
    ts(),
  ],
  { primaryKey: ['change_id'], userColumns: ['seller_id'] },
);
export const factIdvBg = silver(
  'fact_idv_bg',
  'One row per identity verification (idv) or background check (bg), with its result and risk score.',
  [
    id('check_id'),
    anyUser('user_id'),
    col('kind', 'string', 'public', { checks: { accepted: ['idv', 'bg'] } }),
    col('result', 'string', 'internal', { checks: { accepted: ['pass', 'fail', 'clear', 'consider'] } }),
    col('risk_score', 'integer', 'confidential', { checks: { min: 0, max: 100 } }),
    col('provider', 'string', 'internal'),
    ts(),
  ],
  { primaryKey: ['check_id'], userColumns: ['user_id'] },
);
export const factApiRequests = silver(
  'fact_api_requests',
  'Sampled API requests (each stands for 1/sample_rate requests); no client address, no user.',
  [
    id('request_id'),
    col('route', 'string', 'public'),
    col('method', 'string', 'public', { checks: { accepted: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] } }),
    col('status_code', 'integer', 'public', { checks: { min: 100, max: 599 } }),
    col('latency_ms', 'double', 'internal', { checks: { min: 0 } }),
    col('sample_rate', 'double', 'internal', { checks: { min: 0, max: 1 } }),
    ts(),
  ],
  { primaryKey: ['request_id'] },
);
export const factWafBlocks = silver(
  'fact_waf_blocks',
  'One row per WAF block event (rule and action; no client address).',
  [
    id('block_id'),
    col('web_acl', 'string', 'public'),
    col('rule_id', 'string', 'public'),
    col('action', 'string', 'public', { checks: { accepted: ['BLOCK', 'CAPTCHA', 'CHALLENGE'] } }),
    ts(),
  ],
  { primaryKey: ['block_id'] },
);
export const factAlarms = silver(
  'fact_alarms',
  'One row per alarm state change (CloudWatch alarms, normalised to alarm.triggered).',
  [
    id('alarm_event_id'),
    col('alarm_name', 'string', 'public'),
    col('state', 'string', 'public', { checks: { accepted: ['ALARM', 'OK', 'INSUFFICIENT_DATA'] } }),
    col('previous_state', 'string', 'public', {
      nullable: true,
      checks: { accepted: ['ALARM', 'OK', 'INSUFFICIENT_DATA'] },
    }),
    col('severity', 'string', 'public', { checks: { accepted: ['critical', 'error', 'warning', 'info'] } }),
    col('service', 'string', 'public', { nullable: true }),
    ts(),
  ],
  { primaryKey: ['alarm_event_id'] },
);
export const dimStudio = silver(
  'dim_studio',
  "Sellers' studios (venues) and where their verification stands, from each studio's latest update.",
  [
    id('studio_id'),
    seller(),
    city(),
    col('name', 'string', 'public'),
    col('capacity', 'integer', 'public', { checks: { min: 1, max: 500 } }),
    col('verification_status', 'string', 'public', {
      checks: { accepted: ['unverified', 'pending', 'verified', 'rejected'] },
    }),
    col('updated_at', 'timestamp', 'internal'),
  ],
  { primaryKey: ['studio_id'], userColumns: ['seller_id'], partitionKeys: [] },
);
export const dimDevice = silver(
  'dim_device',
  'Devices users sign in from (the app’s random device id, no hardware identifier), first and last seen.',
  [
    col('device_id', 'string', 'confidential'),
    anyUser('user_id'),
    col('platform', 'string', 'public', { checks: { accepted: ['web', 'ios', 'android'] } }),
    col('app_version', 'string', 'public'),
    col('first_seen_at', 'timestamp', 'internal'),
    col('last_seen_at', 'timestamp', 'internal'),
  ],
  { primaryKey: ['device_id'], userColumns: ['user_id'], partitionKeys: [] },
);

// ---- Silver private: hashed contact data, nowhere else --------------------------------------

export const usersPrivate = table(
  'silver_private',
  'users_private',
  'Hashed contact data per user (SHA-256 of the normalised value); never raw, never in Gold.',
  [
    col('user_id', 'string', 'confidential'),
    col('email_sha256', 'string', 'restricted'),
    col('phone_sha256', 'string', 'restricted', { nullable: true }),
    col('updated_at', 'timestamp', 'internal'),
  ],
  { primaryKey: ['user_id'], userColumns: ['user_id'], partitionKeys: [] },
);

// ---- Gold: KPIs and marts ---------------------------------------------------------------------

const gold = (
  name: string,
  description: string,
  columns: readonly ColumnDefinition[],
  primaryKey: readonly string[],
  userColumns: readonly string[] = [],
) => table('gold', name, description, columns, { primaryKey, userColumns });
const n = (name: string) => col(name, 'bigint', 'internal', { checks: { min: 0 } });
const rate = (name: string) =>
  col(name, 'double', 'internal', { nullable: true, checks: { min: 0, max: 1 } });
const amount = (name: string) => col(name, money, 'internal');
const goldCity = () => col('city_id', 'string', 'public');

export const kpiGmvDaily = gold(
  'kpi_gmv_daily',
  'Gross merchandise value: the amount of booking legs confirmed that day, per city.',
  [goldCity(), amount('gmv'), n('confirmed_legs'), n('bookings'), col('currency', 'string', 'public')],
  ['dt', 'city_id'],
);
export const kpiTakeRate = gold(
  'kpi_take_rate',
  'Marketplace fees over GMV of confirmed legs, per city.',
  [goldCity(), amount('gmv'), amount('fees'), rate('take_rate')],
  ['dt', 'city_id'],
);
export const kpiConversionFunnel = gold(
  'kpi_conversion_funnel',
  "Search → click → profile → checkout → confirm, per city, for the searches of each day (a cohort: each step counts only what followed from that day's impressions, so the steps never grow).",
  [
    goldCity(),
    n('impressions'),
    n('clicks'),
    n('profile_views'),
    n('checkouts'),
    n('confirms'),
    rate('ctr'),
    rate('click_to_checkout'),
    rate('checkout_to_confirm'),
  ],
  ['dt', 'city_id'],
);
export const kpiCancellations = gold(
  'kpi_cancellations',
  'Leg cancellations by who cancelled, over legs confirmed, per city.',
  [
    goldCity(),
    n('cancelled_legs'),
    n('cancelled_by_buyer'),
    n('cancelled_by_seller'),
    n('confirmed_legs'),
    col('cancellation_rate', 'double', 'internal', { nullable: true, checks: { min: 0 } }),
  ],
  ['dt', 'city_id'],
);
export const kpiRefunds = gold(
  'kpi_refunds',
  'Refunds issued and their share of GMV, per city.',
  [
    goldCity(),
    n('refunds'),
    amount('refund_amount'),
    amount('gmv'),
    col('refund_rate', 'double', 'internal', { nullable: true, checks: { min: 0 } }),
  ],
  ['dt', 'city_id'],
);
export const kpiDisputes = gold(
  'kpi_disputes',
  'Disputes opened and resolved, per city.',
  [goldCity(), n('opened'), n('won'), n('lost'), amount('disputed_amount')],
  ['dt', 'city_id'],
);
export const kpiPromoCtr = gold(
  'kpi_promo_ctr',
  'Promoted-slot click-through rate per campaign (invalid clicks excluded).',
  [id('campaign_id'), n('impressions'), n('clicks'), n('invalid_clicks'), rate('ctr'), rate('invalid_rate')],
  ['dt', 'campaign_id'],
);
export const kpiSpendVsBudget = gold(
  'kpi_spend_vs_budget',
  'Campaign spend against its daily budget.',
  [
    id('campaign_id'),
    amount('spend'),
    amount('daily_budget'),
    col('utilisation', 'double', 'internal', { nullable: true, checks: { min: 0 } }),
  ],
  ['dt', 'campaign_id'],
);
export const userDailyAggregates = gold(
  'user_daily_aggregates',
  'Per-user daily activity, for experiment covariates (CUPED); no contact data or hashes.',
  [
    col('user_id', 'string', 'confidential'),
    n('impressions'),
    n('clicks'),
    n('checkouts'),
    n('confirmed_legs'),
    amount('gmv'),
    amount('refund_amount'),
  ],
  ['dt', 'user_id'],
  ['user_id'],
);

const bucket = () => col('bucket', 'string', 'public');
const channel = () => col('channel', 'string', 'public');

// Supply
export const kpiSellerActivation = gold(
  'kpi_seller_activation',
  'Sellers with a leg confirmed that day over the sellers signed up by then, per city.',
  [goldCity(), n('sellers'), n('active_sellers'), rate('activation_rate')],
  ['dt', 'city_id'],
);
export const kpiStudioVerificationRate = gold(
  'kpi_studio_verification_rate',
  'Studio permits decided that day and the share approved, per city.',
  [goldCity(), n('decided'), n('approved'), rate('verification_rate')],
  ['dt', 'city_id'],
);
export const kpiAcceptanceWindowHist = gold(
  'kpi_acceptance_window_hist',
  'How long sellers take to accept or decline a requested leg: legs decided that day per time bucket.',
  [bucket(), n('legs'), n('confirmed'), n('declined')],
  ['dt', 'bucket'],
);
// Trust
export const kpiIdvPassRate = gold(
  'kpi_idv_pass_rate',
  'Identity verifications that day and the share that passed.',
  [n('checks'), n('passed'), rate('pass_rate')],
  ['dt'],
);
export const kpiBgClearRate = gold(
  'kpi_bg_clear_rate',
  'Background checks that day and the share that came back clear.',
  [n('checks'), n('cleared'), rate('clear_rate')],
  ['dt'],
);
export const kpiRiskBuckets = gold(
  'kpi_risk_buckets',
  'Checks per risk-score bucket (0-24, 25-49, 50-74, 75-100), by kind.',
  [col('kind', 'string', 'public'), bucket(), n('checks')],
  ['dt', 'kind', 'bucket'],
);
// Promotions
export const kpiInvalidRate = gold(
  'kpi_invalid_rate',
  'Invalid (filtered) clicks over all promoted clicks, per city.',
  [goldCity(), n('clicks'), n('invalid_clicks'), rate('invalid_rate')],
  ['dt', 'city_id'],
);
// Comms (non-sensitive: counts per channel, no user)
const sentCohort = 'for the notifications sent that day (a cohort: later statuses count toward the day sent)';
export const kpiDelivery = gold(
  'kpi_delivery',
  `Notifications delivered over sent, per channel, ${sentCohort}.`,
  [channel(), n('sent'), n('delivered'), rate('delivery_rate')],
  ['dt', 'channel'],
);
export const kpiBounce = gold(
  'kpi_bounce',
  `Notifications bounced over sent, per channel, ${sentCohort}.`,
  [channel(), n('sent'), n('bounced'), rate('bounce_rate')],
  ['dt', 'channel'],
);
export const kpiComplaint = gold(
  'kpi_complaint',
  `Complaints over notifications delivered, per channel, ${sentCohort}.`,
  [channel(), n('delivered'), n('complained'), rate('complaint_rate')],
  ['dt', 'channel'],
);
export const kpiOpenClick = gold(
  'kpi_open_click',
  `Opens and clicks over notifications delivered, per channel, ${sentCohort}.`,
  [channel(), n('delivered'), n('opened'), n('clicked'), rate('open_rate'), rate('click_rate')],
  ['dt', 'channel'],
);
// SRE
const route = () => col('route', 'string', 'public');
export const kpiApiLatencyP95 = gold(
  'kpi_api_latency_p95',
  'API latency per route: the 95th percentile of the sampled requests (approximate), and the requests they stand for.',
  [
    route(),
    n('sampled'),
    col('requests', 'double', 'internal', { checks: { min: 0 } }),
    col('p95_latency_ms', 'double', 'internal', { checks: { min: 0 } }),
  ],
  ['dt', 'route'],
);
export const kpiErrorRates = gold(
  'kpi_error_rates',
  'API error rates per route, weighted by 1/sample_rate: 5xx and 4xx over all requests.',
  [
    route(),
    col('requests', 'double', 'internal', { checks: { min: 0 } }),
    col('server_errors', 'double', 'internal', { checks: { min: 0 } }),
    col('client_errors', 'double', 'internal', { checks: { min: 0 } }),
    rate('server_error_rate'),
    rate('client_error_rate'),
  ],
  ['dt', 'route'],
);
export const kpiWafBlocks = gold(
  'kpi_waf_blocks',
  'WAF blocks per rule and action.',
  [col('rule_id', 'string', 'public'), col('action', 'string', 'public'), n('blocks')],
  ['dt', 'rule_id', 'action'],
);
export const kpiAlarms = gold(
  'kpi_alarms',
  'Alarms that went into ALARM that day, per severity, and how many came back to OK the same day.',
  [col('severity', 'string', 'public'), n('alarms'), n('recovered')],
  ['dt', 'severity'],
);

// ---- Gold: experiment results (written by the analysis, not by a model) ---------------------

/**
 * Per experiment, analysis day, metric and variant: n, mean, and for each non-control variant the
 * difference to control with its interval and p-value (issue 15). Written by `analyzeExperiment`
 * (`lakeops exp analyze`, the daily `exp-analyze` schedule) through the query engine; aggregates
 * only, no user ids.
 */
export const expResults = table(
  'gold',
  'exp_results',
  'Experiment results per analysis day, metric and variant: n, mean, delta to control, interval, p-value, method, CUPED variance reduction, sample-ratio check and guardrail verdict. Aggregates only, no user ids.',
  [
    col('metric', 'string', 'public'),
    col('metric_type', 'string', 'public', { checks: { accepted: ['mean', 'proportion'] } }),
    col('role', 'string', 'public', { checks: { accepted: ['primary', 'guardrail'] } }),
    col('variant', 'string', 'public'),
    col('is_control', 'boolean', 'public'),
    col('n', 'bigint', 'internal', { checks: { min: 0 } }),
    col('mean', 'double', 'internal'),
    col('delta', 'double', 'internal', {
      nullable: true,
      description: 'Variant − control (CUPED-adjusted when method says so).',
    }),
    col('relative_delta', 'double', 'internal', { nullable: true, description: 'delta / control mean.' }),
    col('ci_low', 'double', 'internal', { nullable: true }),
    col('ci_high', 'double', 'internal', { nullable: true }),
    col('p_value', 'double', 'internal', { nullable: true, checks: { min: 0, max: 1 } }),
    col('method', 'string', 'public'),
    col('variance_reduction', 'double', 'internal', {
      nullable: true,
      description:
        'Share of the variance of delta CUPED removed (1 − Var with / Var without); null without CUPED.',
    }),
    col('mde', 'double', 'internal', {
      nullable: true,
      checks: { min: 0 },
      description:
        'Minimum detectable effect, in the unit of mean: the smallest true delta found with 80 % probability at this n, standard error and interval; null on the control row.',
    }),
    col('alpha', 'double', 'public', { checks: { min: 0, max: 1 } }),
    col('srm_p_value', 'double', 'internal', { checks: { min: 0, max: 1 } }),
    col('guardrail_breached', 'boolean', 'internal', { nullable: true }),
    col('window_start', 'string', 'public', { description: 'First day of the experiment (YYYY-MM-DD).' }),
    col('pre_period_start', 'string', 'public', {
      description: 'First day of the CUPED pre-period (YYYY-MM-DD).',
    }),
    col('analysed_at', 'timestamp', 'internal'),
  ],
  { partitionKeys: ['dt', 'exp_key'], primaryKey: ['dt', 'exp_key', 'metric', 'variant'] },
);

/** Tables a function writes instead of a model, and who: lineage shows them as produced. */
export const writtenByFunctions: Readonly<Record<string, { function: string; reads: readonly string[] }>> = {
  'gold.exp_results': {
    function: 'exp-analyze',
    reads: ['silver.dim_exposure', 'gold.user_daily_aggregates', 'silver.fact_notifications'],
  },
};

// ---- NRT: near-real-time ops views (refreshed every 5 minutes, by dt and hour) ----------------
// Each row describes the state at the end of its hour; backlogs and queues carry over from earlier
// days, so every hour of today has rows (zeros per city) even before today's first event.

const nrt = (
  name: string,
  description: string,
  columns: readonly ColumnDefinition[],
  key: readonly string[],
) =>
  table('nrt', name, description, [...columns, col('as_of', 'timestamp', 'internal')], {
    partitionKeys: ['dt', 'hour'],
    primaryKey: ['dt', 'hour', ...key],
  });
const nrtCount = (name: string) => col(name, 'bigint', 'internal', { checks: { min: 0 } });

export const nrtReconGates = nrt(
  'recon_gates',
  'Per hour and city: payments captured vs booking legs confirmed, the mismatch amount and a pass/fail gate (pass when they differ by at most 1% of the confirmed amount).',
  [
    col('city_id', 'string', 'public'),
    nrtCount('payments'),
    col('payment_amount', money, 'internal'),
    nrtCount('confirmed_legs'),
    col('confirmed_amount', money, 'internal'),
    col('mismatch_amount', money, 'internal'),
    col('gate_passed', 'boolean', 'internal'),
  ],
  ['city_id'],
);
export const nrtPayoutBacklog = nrt(
  'payout_backlog',
  'Payouts scheduled and not yet paid or failed at the end of each hour, by city and age bucket (<1h, 1-4h, 4-24h, >24h).',
  [
    col('city_id', 'string', 'public'),
    col('age_bucket', 'string', 'public'),
    nrtCount('payouts'),
    col('amount', money, 'internal'),
  ],
  ['city_id', 'age_bucket'],
);
export const nrtDisputeQueue = nrt(
  'dispute_queue',
  'Disputes still open (latest status opened) at the end of each hour, by city, status and age bucket (<1h, 1-4h, 4-24h, >24h).',
  [
    col('city_id', 'string', 'public'),
    col('status', 'string', 'public'),
    col('age_bucket', 'string', 'public'),
    nrtCount('disputes'),
    col('amount', money, 'internal'),
  ],
  ['city_id', 'status', 'age_bucket'],
);
// The carry-over state of the backlog and the queue: the items still open at the end of each hour,
// so a refresh continues from the hour before instead of reading all history. Written with the view.
export const nrtPayoutBacklogOpen = nrt(
  'payout_backlog_open',
  'Carry-over state of payout_backlog: each payout scheduled and not yet paid or failed at the end of each hour, with when it was scheduled (RFC 3339).',
  [
    col('payout_id', 'string', 'internal'),
    col('city_id', 'string', 'public'),
    col('amount', money, 'internal'),
    col('scheduled_at', 'string', 'internal'),
  ],
  ['payout_id'],
);
export const nrtDisputeQueueOpen = nrt(
  'dispute_queue_open',
  'Carry-over state of dispute_queue: each dispute opened and not yet won or lost at the end of each hour, with when it was opened (RFC 3339).',
  [
    col('dispute_id', 'string', 'internal'),
    col('city_id', 'string', 'public'),
    col('amount', money, 'internal'),
    col('opened_at', 'string', 'internal'),
  ],
  ['dispute_id'],
);
/** The NRT views and their carry-over state, refreshed by `refreshNrtViews` rather than `lakeops build`. */
export const nrtViews: readonly TableDefinition[] = [
  nrtReconGates,
  nrtPayoutBacklog,
  nrtDisputeQueue,
  nrtPayoutBacklogOpen,
  nrtDisputeQueueOpen,
];

/** Every table of the lake, Bronze first. */
export const tables: readonly TableDefinition[] = [
  bronzeEvents,
  bronzeAccountsSnapshot,
  bronzeServicesSnapshot,
  bronzeCampaignsSnapshot,
  bronzeCitiesSnapshot,
  factSearchImpressions,
  factSearchClicks,
  factProfileViews,
  factCheckouts,
  factBookingLegs,
  factPayments,
  factRefunds,
  factPayouts,
  factDisputes,
  factPromotionsEvents,
  factPromotionsSpend,
  factReviews,
  factMessages,
  factActionCards,
  factNotifications,
  factDocs,
  factIdvBg,
  factApiRequests,
  factWafBlocks,
  factAlarms,
  dimUserPublic,
  dimExposure,
  dimServiceProfile,
  dimCity,
  dimCampaign,
  dimStudio,
  dimDevice,
  usersPrivate,
  kpiGmvDaily,
  kpiTakeRate,
  kpiConversionFunnel,
  kpiCancellations,
  kpiRefunds,
  kpiDisputes,
  kpiPromoCtr,
  kpiSpendVsBudget,
  userDailyAggregates,
  kpiSellerActivation,
  kpiStudioVerificationRate,
  kpiAcceptanceWindowHist,
  kpiIdvPassRate,
  kpiBgClearRate,
  kpiRiskBuckets,
  kpiInvalidRate,
  kpiDelivery,
  kpiBounce,
  kpiComplaint,
  kpiOpenClick,
  kpiApiLatencyP95,
  kpiErrorRates,
  kpiWafBlocks,
  kpiAlarms,
  expResults,
  ...nrtViews,
];
