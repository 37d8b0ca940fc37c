import { createHash } from 'node:crypto';
import { bucketOf } from '@lakeops/experiments';
import type { MarketplaceDetails, MarketplaceDetailType, MarketplaceEvent } from './events.ts';
import { marketplaceSources } from './events.ts';
import { Random } from './random.ts';
import { categories, cities, hourWeights, weekdayFactor } from './reference.ts';

export interface SimulationOptions {
  /** Days of history, ending on the UTC day of `end`. */
  readonly days: number;
  /** Buyers; sellers come on top (one per ten buyers). */
  readonly users: number;
  readonly seed: number;
  /** The last instant with data ("now"); nothing later is emitted. */
  readonly end: Date;
  /**
   * The true effect of the search-ranking experiment's treatment: booking amounts of treated users
   * are multiplied by 1 + this from the day of their first exposure (0.03: +3 % GMV per user).
   * Default 0 (an A/A experiment).
   */
  readonly experimentEffect?: number;
  /** The day index the experiment starts on (default the middle of the window, `days / 2`). */
  readonly experimentStartDay?: number;
}

/** The experiment the simulation runs: key, variants, and its first day (the middle of the window). */
export const seededExperiment = {
  key: 'search-ranking-v3',
  variants: ['control', 'treatment'],
  /** Day index of its start: the days before are its pre-period (CUPED covariates). */
  startIndex: (days: number) => Math.floor(days / 2),
} as const;

export interface SimUser {
  readonly user_id: string;
  readonly city_id: string;
  readonly signupMs: number;
  readonly is_seller: boolean;
  readonly activity: number;
}
export interface SimService {
  readonly service_id: string;
  readonly seller_id: string;
  readonly city_id: string;
  readonly category: (typeof categories)[number];
  readonly title: string;
  readonly base_price: number;
  readonly listedMs: number;
}
export interface SimCampaign {
  readonly campaign_id: string;
  readonly service: SimService;
  readonly daily_budget: number;
  readonly cost_per_click: number;
  readonly startsDay: number;
  readonly endsDay: number;
}

type Send = <T extends MarketplaceDetailType>(type: T, ms: number, detail: MarketplaceDetails[T]) => void;

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const hours = hourWeights.map((_, h) => h);
const round2 = (x: number) => Math.round(x * 100) / 100;

export function dayString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * A deterministic services marketplace: users search in their city, click, view profiles, check
 * out; sellers confirm or decline booking legs, which complete or get cancelled, are paid, paid
 * out, reviewed and sometimes disputed; promoted slots spend campaign budgets. Weekly seasonality,
 * a daily rhythm and a realistic funnel. Same options → same events.
 */
export class MarketplaceSimulation {
  readonly options: SimulationOptions;
  readonly firstDayMs: number;
  readonly endMs: number;
  readonly users: SimUser[] = [];
  readonly sellers: SimUser[] = [];
  readonly services: SimService[] = [];
  readonly campaigns: SimCampaign[] = [];
  readonly #servicesByCity = new Map<string, SimService[]>();
  readonly #campaignsByCity = new Map<string, SimCampaign[]>();
  readonly #random: Random;
  /**
   * A second stream for the events added after the first release of the generator (messages,
   * notifications, trust, devices, SRE samples): the original events stay byte-identical.
   */
  readonly #aux: Random;
  /** Sellers who go through identity/background checks in the window, and on which day. */
  readonly #onboarding = new Map<string, number>();
  /** A studio per seller who has one. */
  readonly studios: { studio_id: string; seller: SimUser; capacity: number }[] = [];
  /** Units exposed to the experiment: the day index of their first exposure and their variant. */
  readonly #exposed = new Map<string, { day: number; treated: boolean }>();
  readonly #devices = new Map<
    string,
    { device_id: string; platform: 'web' | 'ios' | 'android'; app_version: string }
  >();

  constructor(options: SimulationOptions) {
    this.options = options;
    this.endMs = options.end.getTime();
    const endDay = Math.floor(this.endMs / DAY) * DAY;
    this.firstDayMs = endDay - (options.days - 1) * DAY;
    this.#random = new Random(options.seed);
    this.#aux = new Random(options.seed + 0x9e3779b1);
    this.#buildWorld();
    for (const seller of this.sellers) {
      if (this.#aux.chance(0.35)) {
        this.studios.push({
          studio_id: `std${String(this.studios.length + 1).padStart(5, '0')}`,
          seller,
          capacity: this.#aux.int(4, 60),
        });
      }
      if (this.#aux.chance(0.3)) this.#onboarding.set(seller.user_id, this.#aux.int(0, options.days - 1));
    }
  }

  /** The UTC days simulated, oldest first. */
  get dayStrings(): string[] {
    return Array.from({ length: this.options.days }, (_, i) => dayString(this.firstDayMs + i * DAY));
  }

  #buildWorld(): void {
    const r = this.#random;
    const cityIds = cities.map((c) => c.city_id);
    const cityWeights = cities.map((c) => c.weight);
    const sellerCount = Math.max(4, Math.round(this.options.users / 10));
    for (let i = 0; i < sellerCount; i++) {
      const seller: SimUser = {
        user_id: `s${String(i + 1).padStart(6, '0')}`,
        city_id: i < cities.length ? (cityIds[i] ?? 'lis') : r.weighted(cityIds, cityWeights),
        signupMs: this.firstDayMs - r.int(30, 900) * DAY,
        is_seller: true,
        activity: 0,
      };
      this.sellers.push(seller);
      const offered = r.weighted([1, 2, 3], [6, 3, 1]);
      for (let k = 0; k < offered; k++) {
        const category = r.pick(categories);
        const service: SimService = {
          service_id: `svc${String(this.services.length + 1).padStart(6, '0')}`,
          seller_id: seller.user_id,
          city_id: seller.city_id,
          category,
          title: `${category.name} #${this.services.length + 1}`,
          base_price: round2(category.minPrice + r.next() * (category.maxPrice - category.minPrice)),
          listedMs: seller.signupMs + r.int(0, 20) * DAY,
        };
        this.services.push(service);
        const list = this.#servicesByCity.get(service.city_id) ?? [];
        list.push(service);
        this.#servicesByCity.set(service.city_id, list);
        if (r.chance(0.15)) {
          const campaign: SimCampaign = {
            campaign_id: `cmp${String(this.campaigns.length + 1).padStart(5, '0')}`,
            service,
            daily_budget: r.int(2, 12) * 5,
            cost_per_click: round2(0.2 + r.next() * 0.8),
            startsDay: r.int(-10, Math.max(0, this.options.days - 3)),
            endsDay: this.options.days + r.int(-2, 20),
          };
          this.campaigns.push(campaign);
          const c = this.#campaignsByCity.get(service.city_id) ?? [];
          c.push(campaign);
          this.#campaignsByCity.set(service.city_id, c);
        }
      }
    }
    for (let i = 0; i < this.options.users; i++) {
      // ~8% sign up during the window; the rest before it.
      const newcomer = r.chance(0.08);
      const signupMs = newcomer
        ? this.firstDayMs + Math.floor(r.next() * this.options.days * DAY)
        : this.firstDayMs - r.int(1, 700) * DAY - r.int(0, DAY - 1);
      // Activity is skewed: a few heavy users, many occasional ones.
      const activity = Math.min(0.95, 0.05 + r.next() ** 2 * 0.9);
      this.users.push({
        user_id: `u${String(i + 1).padStart(7, '0')}`,
        city_id: r.weighted(cityIds, cityWeights),
        signupMs,
        is_seller: false,
        activity,
      });
    }
  }

  /** SHA-256 of the normalised synthetic contact values (the raw values never leave this function). */
  contactHashes(user: SimUser): { email_sha256: string; phone_sha256: string | null } {
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    const n = Number.parseInt(user.user_id.slice(1), 10);
    return {
      email_sha256: sha(`${user.user_id}@users.example.invalid`),
      phone_sha256: n % 5 === 0 ? null : sha(`synthetic-phone-${user.user_id}`),
    };
  }

  /**
   * Simulates day `index` (0 = oldest). Events may be timed on later days (a booking's legs,
   * payouts, reviews), never on earlier ones; events after `end` are dropped. Pauses (yields)
   * after every `usersPerStep` users so that a caller can write out what was emitted so far (a
   * seed of a million users emits more in a day than fits in memory); the draws and events are
   * the same whatever the step.
   */
  *simulateDayInSteps(
    index: number,
    emit: (event: MarketplaceEvent, ms: number) => void,
    usersPerStep: number,
  ): Generator<void, void, void> {
    const r = this.#random;
    const dayMs = this.firstDayMs + index * DAY;
    const weekday = weekdayFactor[new Date(dayMs).getUTCDay()] ?? 1;
    // A gentle growth trend across the window.
    const trend = 0.95 + 0.1 * (index / Math.max(1, this.options.days - 1));
    const spent = new Map<string, number>();
    const sendWith =
      (ids: Random) =>
      <T extends MarketplaceDetailType>(type: T, ms: number, detail: MarketplaceDetails[T]) => {
        const id = ids.uuid();
        if (ms > this.endMs) return;
        emit(
          {
            version: '0',
            id,
            'detail-type': type,
            source: marketplaceSources[type],
            account: '000000000000',
            time: new Date(ms).toISOString(),
            region: 'eu-west-1',
            resources: [],
            detail: { v: 1, ...detail },
            // TypeScript cannot correlate T across the mapped detail types; `send`'s signature does.
          } as unknown as MarketplaceEvent,
          ms,
        );
      };
    const send = sendWith(r);
    const extra = sendWith(this.#aux);
    this.#supplyAndTrust(index, dayMs, extra);
    this.#wafBlocks(dayMs, extra);
    this.#alarms(dayMs, extra);

    let inStep = 0;
    for (const user of this.users) {
      if (++inStep > usersPerStep) {
        inStep = 1;
        yield;
      }
      if (user.signupMs >= dayMs && user.signupMs < dayMs + DAY) {
        send('user.registered', user.signupMs, {
          user_id: user.user_id,
          city_id: user.city_id,
          is_seller: false,
          signup_channel: r.weighted(['web', 'ios', 'android'], [4, 3, 3]),
        });
      }
      if (user.signupMs > dayMs + DAY) continue;
      if (!r.chance(Math.min(0.98, user.activity * weekday * trend))) continue;
      const sessions = 1 + (r.chance(0.35) ? 1 : 0) + (r.chance(0.1) ? 1 : 0);
      this.#device(user, dayMs, extra);
      this.#exposure(user, index, dayMs, extra);
      for (let s = 0; s < sessions; s++) {
        this.#session(user, dayMs, spent, send, extra);
        this.#apiSamples(dayMs, extra);
      }
    }
  }

  #supplyAndTrust(index: number, dayMs: number, send: Send): void {
    const a = this.#aux;
    if (index === 0) {
      for (const studio of this.studios) {
        send('studio.updated', dayMs + a.int(0, DAY - 1), {
          studio_id: studio.studio_id,
          seller_id: studio.seller.user_id,
          city_id: studio.seller.city_id,
          name: `Studio ${studio.studio_id.slice(3)}`,
          capacity: studio.capacity,
          verification_status: this.#onboarding.has(studio.seller.user_id) ? 'unverified' : 'verified',
        });
      }
    }
    for (const seller of this.sellers) {
      if (this.#onboarding.get(seller.user_id) !== index) continue;
      const t = dayMs + a.int(1, 20) * HOUR + a.int(0, HOUR - 1);
      const idvPass = a.chance(0.9);
      send('verification.completed', t, {
        check_id: a.id('chk_idv'),
        user_id: seller.user_id,
        kind: 'idv',
        result: idvPass ? 'pass' : 'fail',
        risk_score: idvPass ? a.int(0, 40) : a.int(50, 100),
        provider: 'idcheck',
      });
      const bgClear = a.chance(0.85);
      send('verification.completed', t + a.int(1, 3) * HOUR, {
        check_id: a.id('chk_bg'),
        user_id: seller.user_id,
        kind: 'bg',
        result: bgClear ? 'clear' : 'consider',
        risk_score: bgClear ? a.int(0, 45) : a.int(40, 100),
        provider: 'bgscreen',
      });
      const docId = a.id('doc');
      send('doc.status_changed', t - MINUTE, {
        doc_id: docId,
        seller_id: seller.user_id,
        kind: 'id_document',
        status: 'uploaded',
      });
      send('doc.status_changed', t + MINUTE, {
        doc_id: docId,
        seller_id: seller.user_id,
        kind: 'id_document',
        status: idvPass ? 'approved' : 'rejected',
      });
      const studio = this.studios.find((s) => s.seller === seller);
      if (!studio) continue;
      const base = {
        studio_id: studio.studio_id,
        seller_id: seller.user_id,
        city_id: seller.city_id,
        name: `Studio ${studio.studio_id.slice(3)}`,
        capacity: studio.capacity,
      };
      const permitId = a.id('doc');
      send('studio.updated', t + 2 * MINUTE, { ...base, verification_status: 'pending' });
      send('doc.status_changed', t + 2 * MINUTE, {
        doc_id: permitId,
        seller_id: seller.user_id,
        studio_id: studio.studio_id,
        kind: 'studio_permit',
        status: 'uploaded',
      });
      const decidedMs = t + a.int(4, 40) * HOUR;
      const approved = idvPass && a.chance(0.8);
      send('doc.status_changed', decidedMs, {
        doc_id: permitId,
        seller_id: seller.user_id,
        studio_id: studio.studio_id,
        kind: 'studio_permit',
        status: approved ? 'approved' : 'rejected',
      });
      send('studio.updated', decidedMs + 1000, {
        ...base,
        verification_status: approved ? 'verified' : 'rejected',
      });
    }
  }

  #wafBlocks(dayMs: number, send: Send): void {
    const a = this.#aux;
    const rules = [
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesSQLiRuleSet',
      'RateLimitPerIp',
      'AWSManagedRulesBotControlRuleSet',
    ];
    for (let n = a.int(20, 80); n > 0; n--) {
      const ms = dayMs + a.int(0, DAY - 1);
      send('waf.block', ms, {
        blocked_at: new Date(ms).toISOString(),
        web_acl: 'marketplace-edge',
        rule_id: a.weighted(rules, [5, 2, 6, 3]),
        action: a.weighted(['BLOCK', 'CAPTCHA', 'CHALLENGE'] as const, [8, 1, 1]),
      });
    }
  }

  #alarms(dayMs: number, send: Send): void {
    const a = this.#aux;
    const alarms = [
      ['payments-api-5xx-rate', 'critical', 'payments-api', 'AWS/ApiGateway/5XXError'],
      ['search-latency-p95', 'warning', 'search-api', 'AWS/ApiGateway/Latency'],
      ['waf-blocked-requests', 'error', 'edge', 'AWS/WAFV2/BlockedRequests'],
    ] as const;
    for (let n = a.int(0, 3); n > 0; n--) {
      const [alarm_name, severity, service, metric] = a.pick(alarms);
      const ms = dayMs + a.int(0, DAY - 1);
      const common = { alarm_name, severity, service, metric } as const;
      send('alarm.triggered', ms, {
        ...common,
        state: 'ALARM',
        previous_state: 'OK',
        reason: 'Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold.',
      });
      send('alarm.triggered', ms + a.int(5, 240) * MINUTE, {
        ...common,
        state: 'OK',
        previous_state: 'ALARM',
        reason: 'Threshold Crossed: 1 datapoint was not greater than the threshold.',
      });
    }
  }

  #device(user: SimUser, dayMs: number, send: Send): void {
    const a = this.#aux;
    let device = this.#devices.get(user.user_id);
    if (!device) {
      device = {
        device_id: a.id('dev'),
        platform: a.weighted(['web', 'ios', 'android'] as const, [4, 3, 3]),
        app_version: `4.${a.int(8, 12)}.${a.int(0, 3)}`,
      };
      this.#devices.set(user.user_id, device);
    }
    send('device.seen', Math.max(dayMs + a.int(0, DAY - 1), user.signupMs + MINUTE), {
      device_id: device.device_id,
      user_id: user.user_id,
      platform: device.platform,
      app_version: device.app_version,
    });
  }

  /**
   * The search-ranking experiment: about a third of active users a day reach its checkpoint (the
   * search results) and are logged as exposed, from the experiment's start (the middle of the
   * window) on; the variant is the salted-hash bucket of the id (sticky), so repeated exposures
   * agree and silver.dim_exposure keeps the first.
   */
  #exposure(user: SimUser, index: number, dayMs: number, send: Send): void {
    const a = this.#aux;
    if (index < (this.options.experimentStartDay ?? seededExperiment.startIndex(this.options.days))) return;
    if (!a.chance(0.3)) return;
    // The variant `lakeops exp assign --exp search-ranking-v3` gives (examples/experiments.json: salt
    // = key, 50/50, all traffic): bucket below 5000 is control.
    const treated =
      this.#exposed.get(user.user_id)?.treated ??
      bucketOf(seededExperiment.key, seededExperiment.key, user.user_id) >= 5000;
    const t = Math.max(dayMs + a.int(0, DAY - 1), user.signupMs + MINUTE);
    const device = this.#devices.get(user.user_id);
    if (!this.#exposed.has(user.user_id)) this.#exposed.set(user.user_id, { day: index, treated });
    send('exp.exposed', t, {
      exp_key: seededExperiment.key,
      variant: treated ? 'treatment' : 'control',
      user_id: user.user_id,
      exposed_at: new Date(t).toISOString(),
      checkpoint: 'search_results',
      ...(device ? { platform: device.platform } : {}),
    });
  }

  #apiSamples(dayMs: number, send: Send): void {
    const a = this.#aux;
    const routes = [
      ['GET', '/search', 120],
      ['GET', '/services/{id}', 60],
      ['POST', '/checkouts', 250],
      ['GET', '/bookings/{id}', 45],
      ['POST', '/messages', 80],
    ] as const;
    for (let n = a.int(0, 3); n > 0; n--) {
      const [method, route, median] = a.weighted(routes, [10, 6, 1, 3, 2]);
      const hour = a.weighted(hours, hourWeights);
      const failed = a.next();
      send('api.request.sampled', dayMs + hour * HOUR + a.int(0, HOUR - 1), {
        request_id: a.id('req'),
        route,
        method,
        status_code: failed < 0.015 ? 503 : failed < 0.05 ? 404 : 200,
        latency_ms: round2(median * Math.exp((a.next() + a.next() + a.next() - 1.5) * 1.2)),
        sample_rate: 0.05,
      });
    }
  }

  #session(user: SimUser, dayMs: number, spent: Map<string, number>, send: Send, extra: Send): void {
    const r = this.#random;
    const pool = this.#servicesByCity.get(user.city_id) ?? this.services;
    const hour = r.weighted(hours, hourWeights);
    const t = Math.max(dayMs + hour * HOUR + r.int(0, HOUR - 1), user.signupMs + MINUTE);
    const searchId = r.id('srch');
    const shown = Math.min(pool.length, r.int(12, 32));
    const start = r.int(0, pool.length - 1);
    // A promoted slot on top when a campaign in the city still has budget today.
    const dayIndex = Math.round((dayMs - this.firstDayMs) / DAY);
    const live = (this.#campaignsByCity.get(user.city_id) ?? []).filter(
      (c) =>
        c.startsDay <= dayIndex &&
        dayIndex <= c.endsDay &&
        (spent.get(c.campaign_id) ?? 0) + c.cost_per_click <= c.daily_budget,
    );
    const promoted = live.length && r.chance(0.7) ? r.pick(live) : undefined;
    const results: SimService[] = [];
    if (promoted) results.push(promoted.service);
    for (let k = 0; results.length < shown && k < pool.length; k++) {
      const svc = pool[(start + k * 7) % pool.length];
      if (svc && svc !== promoted?.service) results.push(svc);
    }
    const category = r.pick(categories).name;
    results.forEach((service, i) => {
      const position = i + 1;
      const isPromoted = promoted !== undefined && i === 0;
      const impressionId = r.id('imp');
      send('search.impression', t, {
        impression_id: impressionId,
        search_id: searchId,
        user_id: user.user_id,
        city_id: user.city_id,
        service_id: service.service_id,
        category,
        position,
        is_promoted: isPromoted,
      });
      if (isPromoted && promoted) {
        send('promotion.interaction', t, {
          promo_event_id: r.id('pe'),
          campaign_id: promoted.campaign_id,
          service_id: service.service_id,
          user_id: user.user_id,
          city_id: user.city_id,
          kind: 'impression',
        });
      }
      if (!r.chance((isPromoted ? 0.1 : 0.16) / position ** 0.75)) return;
      const clickMs = t + r.int(3, 120) * 1000;
      const clickId = r.id('clk');
      send('search.click', clickMs, {
        click_id: clickId,
        impression_id: impressionId,
        user_id: user.user_id,
        city_id: user.city_id,
        service_id: service.service_id,
      });
      if (isPromoted && promoted) {
        const invalid = r.chance(0.06);
        send('promotion.interaction', clickMs, {
          promo_event_id: r.id('pe'),
          campaign_id: promoted.campaign_id,
          service_id: service.service_id,
          user_id: user.user_id,
          city_id: user.city_id,
          kind: invalid ? 'invalid' : 'click',
        });
        const already = spent.get(promoted.campaign_id) ?? 0;
        if (!invalid && already + promoted.cost_per_click <= promoted.daily_budget) {
          spent.set(promoted.campaign_id, round2(already + promoted.cost_per_click));
          send('promotion.charged', clickMs + 1000, {
            charge_id: r.id('chg'),
            campaign_id: promoted.campaign_id,
            amount: promoted.cost_per_click,
            currency: 'EUR',
          });
        }
      }
      if (!r.chance(0.92)) return;
      const viewMs = clickMs + r.int(1, 5) * 1000;
      const viewId = r.id('pv');
      send('profile.viewed', viewMs, {
        view_id: viewId,
        click_id: clickId,
        user_id: user.user_id,
        city_id: user.city_id,
        service_id: service.service_id,
      });
      const priceFactor = Math.max(0.4, 1.3 - service.base_price / 300);
      if (!r.chance(0.13 * priceFactor)) return;
      this.#booking(user, service, viewId, viewMs + r.int(30, 900) * 1000, send, extra);
    });
  }

  #booking(
    user: SimUser,
    service: SimService,
    viewId: string,
    checkoutMs: number,
    send: Send,
    extra: Send,
  ): void {
    const r = this.#random;
    const bookingId = r.id('bkg');
    const legs = r.chance(service.category.multiLeg) ? r.int(2, 4) : 1;
    // The experiment's treatment effect (the same draws either way, so only the amounts differ).
    const exposed = this.#exposed.get(user.user_id);
    const lift =
      exposed?.treated && exposed.day <= Math.floor((checkoutMs - this.firstDayMs) / DAY)
        ? 1 + (this.options.experimentEffect ?? 0)
        : 1;
    const amounts = Array.from({ length: legs }, () =>
      round2(service.base_price * (0.85 + r.next() * 0.4) * lift),
    );
    send('checkout.started', checkoutMs, {
      checkout_id: r.id('chk'),
      view_id: viewId,
      booking_id: bookingId,
      user_id: user.user_id,
      city_id: user.city_id,
      service_id: service.service_id,
      amount: round2(amounts.reduce((s, a) => s + a, 0)),
      currency: 'EUR',
    });
    if (!r.chance(0.85)) return; // abandoned checkout
    const requestedMs = checkoutMs + r.int(1, 5) * MINUTE;
    const confirmed = r.chance(0.88);
    const decisionMs = requestedMs + r.int(5, 360) * MINUTE;
    const method = r.weighted(['card', 'wallet', 'bank_transfer'] as const, [7, 2.5, 0.5]);
    this.#bookingComms(user, service, bookingId, requestedMs, decisionMs, confirmed, extra);
    amounts.forEach((amount, legIndex) => {
      const legId = `${bookingId}-l${legIndex + 1}`;
      const fee = round2((amount * service.category.feeBps) / 10_000);
      const scheduledMs =
        Math.floor(decisionMs / HOUR) * HOUR + (r.int(1, 6) + legIndex * 7) * DAY + r.int(8, 19) * HOUR;
      const leg = (
        status: MarketplaceDetails['booking.leg.status_changed']['status'],
        previous: MarketplaceDetails['booking.leg.status_changed']['previous_status'],
        ms: number,
        cancelledBy: 'buyer' | 'seller' | null = null,
      ) =>
        send('booking.leg.status_changed', ms, {
          booking_id: bookingId,
          leg_id: legId,
          status,
          previous_status: previous,
          cancelled_by: cancelledBy,
          user_id: user.user_id,
          seller_id: service.seller_id,
          service_id: service.service_id,
          city_id: user.city_id,
          amount,
          fee_amount: fee,
          currency: 'EUR',
          scheduled_for: new Date(scheduledMs).toISOString(),
        });
      leg('requested', null, requestedMs);
      if (!confirmed) {
        leg('declined', 'requested', decisionMs);
        return;
      }
      leg('confirmed', 'requested', decisionMs);
      const paymentId = r.id('pay');
      send('payment.captured', decisionMs + 2000, {
        payment_id: paymentId,
        booking_id: bookingId,
        leg_id: legId,
        user_id: user.user_id,
        city_id: user.city_id,
        amount,
        currency: 'EUR',
        method,
      });
      const refund = (ms: number, value: number, reason: MarketplaceDetails['refund.issued']['reason']) =>
        send('refund.issued', ms, {
          refund_id: r.id('ref'),
          payment_id: paymentId,
          booking_id: bookingId,
          leg_id: legId,
          user_id: user.user_id,
          city_id: user.city_id,
          amount: value,
          currency: 'EUR',
          reason,
        });
      const cancel = r.weighted(['none', 'buyer', 'seller'] as const, [90, 7, 3]);
      if (cancel !== 'none') {
        const cancelMs = decisionMs + Math.floor(r.next() * Math.max(HOUR, scheduledMs - decisionMs));
        leg('cancelled', 'confirmed', cancelMs, cancel);
        refund(cancelMs + r.int(10, 120) * MINUTE, amount, 'cancelled');
        return;
      }
      const completedMs = scheduledMs + r.int(1, 3) * HOUR;
      leg('completed', 'confirmed', completedMs);
      const payoutId = r.id('po');
      const payout = (status: 'scheduled' | 'paid', ms: number) =>
        send('payout.status_changed', ms, {
          payout_id: payoutId,
          status,
          leg_id: legId,
          seller_id: service.seller_id,
          city_id: service.city_id,
          amount: round2(amount - fee),
          currency: 'EUR',
        });
      payout('scheduled', completedMs + r.int(5, 60) * MINUTE);
      payout('paid', completedMs + 2 * DAY + r.int(0, 12) * HOUR);
      if (r.chance(0.02))
        refund(completedMs + r.int(2, 48) * HOUR, round2(amount * (0.3 + r.next() * 0.7)), 'service_issue');
      if (r.chance(0.45)) {
        send('review.submitted', completedMs + r.int(2, 48) * HOUR, {
          review_id: r.id('rev'),
          booking_id: bookingId,
          leg_id: legId,
          user_id: user.user_id,
          seller_id: service.seller_id,
          service_id: service.service_id,
          city_id: user.city_id,
          rating: r.weighted([1, 2, 3, 4, 5], [3, 4, 10, 33, 50]),
        });
      }
      if (r.chance(0.02)) {
        const disputeId = r.id('dsp');
        const openedMs = completedMs + r.int(1, 3) * DAY;
        const reason = r.pick(['not_as_described', 'no_show', 'damage', 'quality']);
        const dispute = (status: 'opened' | 'won' | 'lost', ms: number) =>
          send('dispute.status_changed', ms, {
            dispute_id: disputeId,
            status,
            booking_id: bookingId,
            leg_id: legId,
            user_id: user.user_id,
            seller_id: service.seller_id,
            city_id: user.city_id,
            reason,
            amount,
          });
        dispute('opened', openedMs);
        const resolvedMs = openedMs + r.int(1, 5) * DAY;
        const lost = r.chance(0.45);
        dispute(lost ? 'lost' : 'won', resolvedMs);
        if (lost) refund(resolvedMs + HOUR, amount, 'dispute_lost');
      }
    });
  }

  /** The messages, action card and notifications around a booking request and its decision. */
  #bookingComms(
    user: SimUser,
    service: SimService,
    bookingId: string,
    requestedMs: number,
    decisionMs: number,
    confirmed: boolean,
    send: Send,
  ): void {
    const a = this.#aux;
    const thread = { thread_id: `thr_${bookingId}`, booking_id: bookingId, city_id: user.city_id };
    if (a.chance(0.6)) {
      send('message.sent', requestedMs + a.int(1, 30) * MINUTE, {
        message_id: a.id('msg'),
        ...thread,
        sender_id: user.user_id,
        recipient_id: service.seller_id,
        sender_role: 'buyer',
        body_length: a.int(10, 600),
      });
      if (a.chance(0.8)) {
        send('message.sent', decisionMs + a.int(1, 60) * MINUTE, {
          message_id: a.id('msg'),
          ...thread,
          sender_id: service.seller_id,
          recipient_id: user.user_id,
          sender_role: 'seller',
          body_length: a.int(10, 400),
        });
      }
    }
    const card = {
      card_id: a.id('crd'),
      user_id: service.seller_id,
      city_id: service.city_id,
      kind: 'confirm_booking',
    } as const;
    send('action_card.status_changed', requestedMs, { ...card, status: 'created' });
    send('action_card.status_changed', decisionMs, {
      ...card,
      status: confirmed ? 'completed' : 'dismissed',
    });
    const channel = a.weighted(['email', 'push', 'sms'] as const, [6, 3, 1]);
    const notification = {
      notification_id: a.id('ntf'),
      user_id: user.user_id,
      channel,
      template: confirmed ? 'booking_confirmed' : 'booking_declined',
    };
    let ms = decisionMs + 1000;
    send('notification.status_changed', ms, { ...notification, status: 'sent' });
    ms += a.int(1, 90) * 1000;
    if (!a.chance(0.96)) {
      send('notification.status_changed', ms, { ...notification, status: 'bounced' });
      return;
    }
    send('notification.status_changed', ms, { ...notification, status: 'delivered' });
    if (channel === 'email' && a.chance(0.005)) {
      send('notification.status_changed', ms + a.int(1, 120) * MINUTE, {
        ...notification,
        status: 'complained',
      });
      return;
    }
    if (channel === 'sms' || !a.chance(0.45)) return;
    ms += a.int(1, 240) * MINUTE;
    send('notification.status_changed', ms, { ...notification, status: 'opened' });
    if (a.chance(0.35))
      send('notification.status_changed', ms + a.int(5, 300) * 1000, { ...notification, status: 'clicked' });
  }
}
