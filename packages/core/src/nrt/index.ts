export * from './refresh-nrt-views.ts';
export * from './refresh-nrt-views-async.ts';
