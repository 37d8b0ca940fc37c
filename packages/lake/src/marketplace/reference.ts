/** Cities served: weight is the share of users living there. */
export const cities = [
  {
    city_id: 'lis',
    name: 'Lisbon',
    country_code: 'PT',
    timezone: 'Europe/Lisbon',
    currency: 'EUR',
    weight: 14,
  },
  {
    city_id: 'opo',
    name: 'Porto',
    country_code: 'PT',
    timezone: 'Europe/Lisbon',
    currency: 'EUR',
    weight: 7,
  },
  {
    city_id: 'mad',
    name: 'Madrid',
    country_code: 'ES',
    timezone: 'Europe/Madrid',
    currency: 'EUR',
    weight: 18,
  },
  {
    city_id: 'bcn',
    name: 'Barcelona',
    country_code: 'ES',
    timezone: 'Europe/Madrid',
    currency: 'EUR',
    weight: 15,
  },
  {
    city_id: 'ber',
    name: 'Berlin',
    country_code: 'DE',
    timezone: 'Europe/Berlin',
    currency: 'EUR',
    weight: 16,
  },
  {
    city_id: 'par',
    name: 'Paris',
    country_code: 'FR',
    timezone: 'Europe/Paris',
    currency: 'EUR',
    weight: 17,
  },
  {
    city_id: 'ams',
    name: 'Amsterdam',
    country_code: 'NL',
    timezone: 'Europe/Amsterdam',
    currency: 'EUR',
    weight: 8,
  },
  { city_id: 'mil', name: 'Milan', country_code: 'IT', timezone: 'Europe/Rome', currency: 'EUR', weight: 5 },
] as const;

/** Service categories: a price range, the marketplace fee in basis points, how often bookings span legs. */
export const categories = [
  { name: 'cleaning', minPrice: 25, maxPrice: 90, feeBps: 1500, multiLeg: 0.35 },
  { name: 'tutoring', minPrice: 20, maxPrice: 60, feeBps: 1200, multiLeg: 0.5 },
  { name: 'photography', minPrice: 80, maxPrice: 400, feeBps: 1800, multiLeg: 0.05 },
  { name: 'fitness', minPrice: 25, maxPrice: 70, feeBps: 1400, multiLeg: 0.45 },
  { name: 'beauty', minPrice: 30, maxPrice: 120, feeBps: 1600, multiLeg: 0.1 },
  { name: 'repairs', minPrice: 40, maxPrice: 250, feeBps: 1300, multiLeg: 0.1 },
] as const;

/** Relative activity per UTC weekday, Sunday first: weekends are busier. */
export const weekdayFactor = [1.25, 0.85, 0.9, 0.95, 1.0, 1.1, 1.35] as const;

/** Relative search activity per UTC hour (quiet nights, lunch and evening peaks). */
export const hourWeights = [
  0.4, 0.25, 0.15, 0.1, 0.1, 0.2, 0.5, 1.0, 1.5, 1.7, 1.8, 2.0, 2.4, 2.2, 1.8, 1.7, 1.8, 2.0, 2.4, 2.8, 3.0,
  2.6, 1.8, 0.9,
] as const;
