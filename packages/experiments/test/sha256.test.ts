import { createHash } from 'node:crypto';
import { seededRandom } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../src/sha256.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('sha256', () => {
  it('gives the FIPS 180-4 digests of "", "abc" and the two-block message', () => {
    // Act
    const digests = ['', 'abc', 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'].map((t) =>
      hex(sha256(t)),
    );
    // Assess
    expect(digests).toEqual([
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ]);
  });

  it('agrees with node:crypto on random UTF-8 texts of every length across the block boundaries', () => {
    // Prepare
    const random = seededRandom(7);
    const texts = Array.from({ length: 300 }, (_, n) =>
      Array.from({ length: n % 140 }, () =>
        String.fromCodePoint(32 + Math.floor(random() * (random() < 0.9 ? 95 : 2000))),
      ).join(''),
    );
    // Act
    const ours = texts.map((t) => hex(sha256(t)));
    // Assess
    expect(ours).toEqual(texts.map((t) => createHash('sha256').update(t, 'utf8').digest('hex')));
  });
});
