export * from './build.ts';
export * from './data-tests.ts';
export * from './dialect.ts';
export * from './errors.ts';
export type { MarketplaceDetails, MarketplaceDetailType, MarketplaceEvent } from './marketplace/events.ts';
export { marketplaceSources } from './marketplace/events.ts';
export * from './models.ts';
export * from './seed.ts';
export * from './tables.ts';
