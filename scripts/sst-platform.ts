// `node scripts/sst-platform.ts`: writes SST's platform (.sst/platform) offline, from the npm
// registry only; a no-op when it already matches the pinned sst. Run by `npm run typecheck`.
import { ensureSstPlatform, platformPaths } from '../stacks/synth/platform.ts';

try {
  const { installed, seconds } = await ensureSstPlatform({ log: (line) => console.error(line) });
  if (installed) console.error(`sst platform installed in ${seconds.toFixed(1)} s`);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`sst-platform: ${message} (needs the npm registry; writes ${platformPaths().platform})`);
  process.exitCode = 1;
}
