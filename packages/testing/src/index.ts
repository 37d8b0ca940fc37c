export { readConformance, repoRoot, sharedDir } from './shared-data.ts';
