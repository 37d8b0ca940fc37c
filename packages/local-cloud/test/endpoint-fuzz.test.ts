import { mkdtemp } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryDeadLetter, seededRandom } from '@lakeops/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DurableEventBus, EventBridgeEndpoint } from '../src/index.ts';
import { wafEntry } from './helpers.ts';

// Bounded: these many HTTP requests and raw-socket sends, from a fixed seed.
const HTTP_CASES = 600;
const RAW_CASES = 80;

let bus: DurableEventBus;
let endpoint: EventBridgeEndpoint;

beforeAll(async () => {
  const home = await mkdtemp(join(tmpdir(), 'lakeops-fuzz-'));
  bus = await DurableEventBus.open({
    home,
    rules: [{ id: 'all', pattern: { source: [{ prefix: '' }] } }],
    invoke: async () => ({}),
    deadLetter: new InMemoryDeadLetter(),
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  });
  endpoint = await EventBridgeEndpoint.start({ bus, port: 0, maxBodyBytes: 64 * 1024 });
});

afterAll(async () => {
  await endpoint?.close();
  await bus?.close();
});

const targets = [
  'AWSEvents.PutEvents',
  'AWSEvents.TestEventPattern',
  'AWSEvents.ListRules',
  'AWSEvents.DescribeRule',
  'AWSEvents.Nope',
  'AWSEvents.',
  'AWSEvents.constructor',
  'AWSEvents.__proto__',
  'Other.PutEvents',
  '',
  'AWSEvents.\u00ffé',
];

function randomValue(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * (depth > 2 ? 6 : 9));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return Math.floor(r() * 2 ** 40) * (r() < 0.5 ? -1 : 1);
    case 3:
      return r() * 1e308;
    case 4:
      return randomString(r);
    case 5:
      return '';
    case 6:
      return Array.from({ length: Math.floor(r() * 12) }, () => randomValue(r, depth + 1));
    default: {
      const keys = [
        'Entries',
        'Source',
        'DetailType',
        'Detail',
        'Time',
        'Resources',
        'EventPattern',
        'Event',
        'Name',
        'Limit',
        'NextToken',
        'NamePrefix',
        '__proto__',
        'constructor',
      ];
      const out: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 6); i > 0; i--)
        out[keys[Math.floor(r() * keys.length)] as string] = randomValue(r, depth + 1);
      return out;
    }
  }
}

function randomString(r: () => number): string {
  const alphabet = [
    'a',
    '{',
    '}',
    '"',
    '\\',
    '[',
    ']',
    ':',
    ',',
    '\u0000',
    'é',
    '😀',
    '\ud800',
    ' ',
    '\n',
    '1',
  ];
  return Array.from({ length: Math.floor(r() * 40) }, () => alphabet[Math.floor(r() * alphabet.length)]).join(
    '',
  );
}

function randomBody(r: () => number): string | Uint8Array {
  const kind = Math.floor(r() * 8);
  if (kind === 0) return randomString(r);
  if (kind === 1)
    return new Uint8Array(Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256)));
  if (kind === 2) return 'x'.repeat(70 * 1024); // over the endpoint's body limit
  if (kind === 3) {
    // Almost-valid PutEvents with one field broken.
    const entries = Array.from({ length: 1 + Math.floor(r() * 12) }, (_, i) => {
      const e: Record<string, unknown> = { ...wafEntry(i) };
      const field = ['Source', 'DetailType', 'Detail', 'Time', 'Resources'][Math.floor(r() * 5)] as string;
      e[field] = randomValue(r);
      return e;
    });
    return JSON.stringify({ Entries: entries });
  }
  const text = JSON.stringify(randomValue(r));
  return kind === 4 && text ? text.slice(0, Math.floor(r() * text.length)) : (text ?? 'undefined');
}

describe('endpoint fuzz: random and malformed requests', () => {
  it(`answers ${HTTP_CASES} random HTTP requests with well-formed JSON and a 2xx/4xx, and keeps serving`, async () => {
    // Prepare
    const r = seededRandom(20261127);
    const methods = ['POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH'];
    const contentTypes = [
      'application/x-amz-json-1.1',
      'application/json',
      'text/plain',
      '',
      'multipart/form-data; boundary=x',
    ];
    const answers: { status: number; type: string | null; body: string; case: number }[] = [];
    // Act
    for (let i = 0; i < HTTP_CASES; i++) {
      const method = methods[Math.floor(r() * methods.length)] as string;
      const headers: Record<string, string> = {
        'x-amz-target': targets[Math.floor(r() * targets.length)] as string,
        'content-type': contentTypes[Math.floor(r() * contentTypes.length)] as string,
      };
      if (r() < 0.2) headers.authorization = randomString(r).replace(/[^\x20-\x7e]/g, '');
      if (r() < 0.1) headers['x-amz-date'] = 'yesterday';
      if (r() < 0.1) headers['content-encoding'] = 'gzip';
      const path = r() < 0.9 ? '/' : `/${randomString(r).replace(/[^a-z{}]/g, '')}`;
      const body = method === 'GET' ? undefined : randomBody(r);
      const res = await fetch(`${endpoint.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
      });
      answers.push({
        status: res.status,
        type: res.headers.get('content-type'),
        body: await res.text(),
        case: i,
      });
    }
    // Assess
    for (const a of answers) {
      expect(a.status, `case ${a.case}`).toBeGreaterThanOrEqual(200);
      expect(a.status, `case ${a.case}`).toBeLessThan(500);
      expect(a.type, `case ${a.case}`).toBe('application/x-amz-json-1.1');
      const json = JSON.parse(a.body) as Record<string, unknown>;
      if (a.status >= 400)
        expect(typeof json.__type === 'string' && typeof json.message === 'string', `case ${a.case}`).toBe(
          true,
        );
    }
    expect(answers.some((a) => a.status === 200)).toBe(true);
    const health = await fetch(`${endpoint.url}/health`);
    expect(health.status).toBe(200);
  });

  it(`answers ${RAW_CASES} malformed raw HTTP messages (bad request lines, headers, lengths) with JSON or a clean close`, async () => {
    // Prepare
    const r = seededRandom(4010);
    const garbage = [
      'GARBAGE\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      `POST / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      'POST / HTTP/1.1\r\nHo st: x\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSEvents.PutEvents\r\nContent-Length: 2\r\n\r\n{}',
      'POST / HTTP/9.9\r\n\r\n',
      '\u0000\u0001\u0002\r\n\r\n',
    ];
    const results: { text: string; sent: string }[] = [];
    // Act
    for (let i = 0; i < RAW_CASES; i++) {
      const base = garbage[Math.floor(r() * garbage.length)] as string;
      const sent = r() < 0.3 ? `${base.slice(0, Math.floor(r() * base.length))}\r\n\r\n` : base;
      results.push({ text: await rawExchange(endpoint.port, sent), sent });
    }
    // Assess
    for (const { text, sent } of results) {
      if (text === '') continue; // the server may hang up on bytes that are not HTTP at all
      const [head, ...rest] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head ?? '')?.[1]);
      expect(status, JSON.stringify(sent.slice(0, 80))).toBeGreaterThanOrEqual(200);
      expect(status, JSON.stringify(sent.slice(0, 80))).toBeLessThan(500);
      expect(head?.toLowerCase()).toContain('content-type: application/x-amz-json-1.1');
      expect(() => JSON.parse(rest.join('\r\n\r\n'))).not.toThrow();
    }
    expect(results.filter((x) => x.text !== '').length).toBeGreaterThan(RAW_CASES / 2);
    expect((await fetch(`${endpoint.url}/health`)).status).toBe(200);
  });
});

/** Writes raw bytes, reads until the server closes or goes quiet (bounded), returns what came back. */
function rawExchange(port: number, data: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    const timer = setTimeout(done, 2_000);
    socket.on('data', (d) => {
      text += d.toString('latin1');
      // One full JSON answer is enough.
      const m = /content-length: (\d+)/i.exec(text);
      const split = text.indexOf('\r\n\r\n');
      if (m && split >= 0 && text.length >= split + 4 + Number(m[1])) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(data, 'latin1');
  });
}
