// The adapters run in every partition (aws, aws-cn, aws-us-gov): none may spell an ARN or a
// service endpoint with a fixed partition; ARNs come from the stack, S3 locations from config.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src/', import.meta.url));

describe('adapters-aws source', () => {
  it('hard-codes no ARN partition, region, account or amazonaws.com endpoint', async () => {
    // Prepare
    const files = (await readdir(src)).filter((f) => f.endsWith('.ts'));
    // Act
    const offending: string[] = [];
    for (const file of files) {
      const text = await readFile(join(src, file), 'utf8');
      for (const match of text.matchAll(
        /arn:aws[\w-]*:|\bamazonaws\.com\b|\b\d{12}\b|\b(?:us|eu|ap)-[a-z]+-\d\b/g,
      )) {
        offending.push(`${file}: ${match[0]}`);
      }
    }
    // Assess
    expect(files.length).toBeGreaterThan(5);
    expect(offending).toEqual([]);
  });
});
