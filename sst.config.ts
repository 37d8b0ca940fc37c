/// <reference path="./.sst/platform/config.d.ts" />
// SST app: sets the app and declares the stacks (stacks/). SST's own types come from `sst install`
// (.sst/platform; `node scripts/sst-platform.ts` writes them offline); stacks/tsconfig.json checks
// this file and stacks/ against them.
export default $config({
  app(input) {
    return {
      name: 'lakeops',
      home: 'aws',
      removal: input.stage === 'production' ? 'retain' : 'remove',
      protect: input.stage === 'production',
      // Pinned so every `sst install` writes the same @pulumi/aws (SST docs: Providers → Versions).
      providers: { aws: '7.20.0' },
    };
  },
  async run() {
    const { lakeopsApp } = await import('./stacks/index.ts');
    return lakeopsApp();
  },
});
