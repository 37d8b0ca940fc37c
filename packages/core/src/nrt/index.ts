export * from './refresh-nrt-views.ts';
