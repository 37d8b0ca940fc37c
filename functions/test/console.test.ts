import type { ConsoleDeps } from '@lakeops/console';
import { InMemoryStateStore, ManualClock } from '@lakeops/testing';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { make } from '../console.ts';

/** A function URL event (payload format 2.0) as Lambda hands it over. */
function urlEvent(
  method: string,
  path: string,
  body?: { text: string; base64?: boolean; type?: string },
  query = '',
) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: query,
    headers: body ? { 'content-type': body.type ?? 'application/json' } : {},
    requestContext: { http: { method, path } },
    ...(body
      ? {
          body: body.base64 ? Buffer.from(body.text).toString('base64') : body.text,
          isBase64Encoded: body.base64 === true,
        }
      : { isBase64Encoded: false }),
  } as unknown as LambdaFunctionURLEvent;
}

function deps(): ConsoleDeps & { state: InMemoryStateStore } {
  const clock = new ManualClock('2026-12-01T10:00:00Z');
  return {
    engine: {
      query: async () => {
        throw new Error('no NRT view was refreshed: nothing to query');
      },
      async *stream() {},
      writePartitions: async () => ({ rows: 0, written: [], removed: [] }),
      rewritePartitions: async () => [],
      restorePartitions: async () => {},
      close: async () => {},
    },
    state: new InMemoryStateStore({ clock }),
    clock,
    asset: async () => undefined,
  };
}

describe('the console behind a Lambda function URL', () => {
  it('answers the API from the event: JSON, the panels, a silence from a base64 body', async () => {
    // Prepare
    const d = deps();
    const handler = make(d);
    const silence = JSON.stringify({ matchers: ['alertname="nrt.stale"'], until: '2026-12-01T12:00:00Z' });
    // Act
    const ops = await handler(urlEvent('GET', '/console/api/ops'));
    const created = await handler(urlEvent('POST', '/console/api/silences', { text: silence, base64: true }));
    const listed = await handler(urlEvent('GET', '/console/api/silences'));
    // Assess
    expect(ops.statusCode).toBe(200);
    expect(ops.headers?.['content-type']).toContain('application/json');
    const panels = (
      JSON.parse(ops.body ?? '') as { panels: { view: string; freshness: { level: string } }[] }
    ).panels;
    expect(panels.map((p) => [p.view, p.freshness.level])).toEqual([
      ['nrt.recon_gates', 'red'],
      ['nrt.payout_backlog', 'red'],
      ['nrt.dispute_queue', 'red'],
    ]);
    expect(created.statusCode).toBe(201);
    expect(JSON.parse(listed.body ?? '').silences).toHaveLength(1);
  });

  it('refuses an oversized body, an unknown view and a malformed silence with a 4xx and a JSON reason', async () => {
    // Prepare
    const handler = make(deps());
    // Act
    const answers = await Promise.all([
      handler(urlEvent('POST', '/console/api/silences', { text: 'x'.repeat(20_000), base64: true })),
      handler(urlEvent('GET', '/console/api/ops/bronze')),
      handler(
        urlEvent('POST', '/console/api/silences', {
          text: '{"matchers": ["=~"], "until": "2026-12-01T12:00:00Z"}',
        }),
      ),
    ]);
    // Assess
    expect(answers.map((a) => [a.statusCode, JSON.parse(a.body ?? '').error.code])).toEqual([
      [413, 'BodyTooLarge'],
      [404, 'ViewUnknown'],
      [400, 'SilenceInvalid'],
    ]);
  });
});
