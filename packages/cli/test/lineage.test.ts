import { describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';
import { captureContext } from './capture-context.ts';

async function lineage(...args: string[]) {
  const { ctx, out } = captureContext();
  const code = await main(['lineage', ...args], ctx);
  return { code, ...out };
}

describe('lakeops lineage', () => {
  it('names the events and Silver tables gold.kpi_gmv_daily comes from', async () => {
    // Act
    const { code, stdout } = await lineage('gold.kpi_gmv_daily', '--upstream');
    // Assess
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'gold.kpi_gmv_daily (upstream)',
        'tables:',
        '  silver.fact_booking_legs  (1 away)',
        '  bronze.events  (2 away)',
        'events:',
        '  event:booking.leg.status_changed.v1  (2 away)',
        'sources:',
        '  source:events  (3 away)',
        '',
      ].join('\n'),
    );
  });

  it('gives the downstream of silver.fact_booking_legs as JSON, one edge away, with column edges', async () => {
    // Act
    const { code, stdout } = await lineage(
      'silver.fact_booking_legs',
      '--downstream',
      '--depth',
      '1',
      '--json',
    );
    const parsed = JSON.parse(stdout) as {
      nodes: { id: string; depth: number }[];
      columns: { from: string; to: string }[];
    };
    // Assess
    expect(code).toBe(0);
    expect(parsed.nodes.every((n) => n.depth === 1 && n.id.startsWith('gold.'))).toBe(true);
    expect(parsed.nodes).toHaveLength(8);
    expect(parsed.columns).toContainEqual({
      from: 'silver.fact_booking_legs/city_id',
      to: 'gold.kpi_gmv_daily/city_id',
    });
  });

  it('draws DOT, and refuses an unknown table, two directions and a bad depth', async () => {
    // Act
    const dot = await lineage('silver.fact_docs', '--dot', '--depth', '1');
    const unknown = await lineage('gold.nope');
    const both = await lineage('gold.kpi_gmv_daily', '--upstream', '--downstream');
    const depth = await lineage('gold.kpi_gmv_daily', '--depth', 'x');
    // Assess
    expect(dot.code).toBe(0);
    expect(dot.stdout).toContain('"bronze.events" -> "silver.fact_docs";');
    expect(dot.stdout).toContain('"event:doc.status_changed.v1" -> "silver.fact_docs";');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no table, event, suite or function named 'gold.nope'/);
    expect(both.code).toBe(2);
    expect(depth.code).toBe(2);
  });

  it('names the functions of the route table that write an NRT view, and draws them (worked by hand)', async () => {
    // Act
    const text = await lineage('nrt.recon_gates', '--upstream', '--depth', '1');
    const mermaid = await lineage('function:nrt-refresh', '--downstream', '--mermaid');
    const json = await lineage('bronze.cities_snapshot', '--downstream', '--depth', '1', '--json');
    // Assess: the nrt-refresh schedule and the nrt-rebuild and nrt-complete routes rewrite every NRT view.
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      [
        'nrt.recon_gates (upstream, depth 1)',
        'tables:',
        '  bronze.cities_snapshot  (1 away)',
        '  bronze.events  (1 away)',
        'events:',
        '  event:booking.leg.status_changed.v1  (1 away)',
        '  event:payment.captured.v1  (1 away)',
        'functions:',
        '  function:nrt-complete  (1 away)',
        '  function:nrt-rebuild  (1 away)',
        '  function:nrt-refresh  (1 away)',
        '',
      ].join('\n'),
    );
    expect(mermaid.stdout).toContain('  function_nrt_refresh[["function:nrt-refresh"]]\n');
    expect(mermaid.stdout).toContain('  function_nrt_refresh --> nrt_payout_backlog\n');
    const nodes = (JSON.parse(json.stdout) as { nodes: { id: string; kind: string }[] }).nodes;
    expect(nodes.filter((n) => n.kind === 'function').map((n) => n.id)).toEqual([
      'function:nrt-complete',
      'function:nrt-rebuild',
      'function:nrt-refresh',
    ]);
  });
});
