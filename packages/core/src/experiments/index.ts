export * from './analyze-experiment.ts';
