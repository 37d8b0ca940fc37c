// SST app: sets the app and declares the stacks (stacks/). Types for the SST globals used here are
// in stacks/sst-platform.d.ts so this type-checks offline; `sst install` brings SST's own.
export default $config({
  app(input) {
    return {
      name: 'lakeops',
      home: 'aws',
      removal: input.stage === 'production' ? 'retain' : 'remove',
      protect: input.stage === 'production',
    };
  },
  async run() {
    const { lakeopsApp } = await import('./stacks/index.ts');
    return lakeopsApp();
  },
});
