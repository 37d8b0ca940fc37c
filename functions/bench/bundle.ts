import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Bundle, bundleAsSst } from '@lakeops/testing';

export const functionsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles `functions/<name>.ts` into `outDir/<name>.mjs`. */
export function bundleFunction(name: string, outDir: string): Promise<Bundle> {
  return bundleAsSst(join(functionsDir, `${name}.ts`), join(outDir, `${name}.mjs`));
}
