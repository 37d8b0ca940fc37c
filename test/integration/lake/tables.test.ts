import { qualifiedName, type TableDefinition } from '@lakeops/core';
import { loadModels, tables } from '@lakeops/lake';
import { describe, expect, it } from 'vitest';

// The catalog's privacy rules: every column has a sensitivity, every column holding a user id is
// declared in `userColumns` (what the DSAR purge and permission sync cover), and contact data
// (restricted: hashed email/phone) lives in Bronze exports and Silver private only.

const holdsUserId = (t: TableDefinition, name: string) => {
  const c = t.columns.find((c) => c.name === name);
  return (
    /^(user|seller|sender|recipient)_id$/.test(name) ||
    c?.checks?.references === 'silver.dim_user_public.user_id'
  );
};

function catalogProblems(catalog: readonly TableDefinition[]): string[] {
  const problems: string[] = [];
  for (const t of catalog) {
    const name = qualifiedName(t);
    for (const c of t.columns) {
      if (!['public', 'internal', 'confidential', 'restricted'].includes(c.sensitivity))
        problems.push(`${name}.${c.name} has no sensitivity`);
      if (c.sensitivity === 'restricted' && !['bronze', 'silver_private'].includes(t.zone))
        problems.push(`${name}.${c.name} is contact data outside Silver private`);
      if (holdsUserId(t, c.name) && !t.userColumns.includes(c.name))
        problems.push(`${name}.${c.name} holds a user id but is not in userColumns`);
    }
    for (const u of t.userColumns) {
      const c = t.columns.find((c) => c.name === u);
      if (!c) problems.push(`${name}: userColumns names ${u}, which is not a column`);
      else if (c.sensitivity !== 'confidential')
        problems.push(`${name}.${u} is a user column but not confidential`);
    }
  }
  return problems;
}

// Every table plan §1.13.D names (seed/technical-development-plan-1.13.md, copied here by hand).
const planTables = {
  silver: [
    ...['fact_search_impressions', 'fact_search_clicks', 'fact_booking_legs', 'fact_payments'],
    ...['fact_refunds', 'fact_payouts', 'fact_disputes', 'fact_promotions_events', 'fact_promotions_spend'],
    ...['fact_messages', 'fact_action_cards', 'fact_notifications', 'fact_docs', 'fact_idv_bg'],
    ...['fact_reviews', 'dim_user_public', 'dim_service_profile', 'dim_studio', 'dim_city'],
    ...['dim_device', 'dim_campaign'],
  ],
  gold: [
    ...['kpi_gmv_daily', 'kpi_take_rate', 'kpi_conversion_funnel', 'kpi_cancellations', 'kpi_refunds'],
    ...['kpi_disputes', 'kpi_seller_activation', 'kpi_studio_verification_rate'],
    ...['kpi_acceptance_window_hist', 'kpi_idv_pass_rate', 'kpi_bg_clear_rate', 'kpi_risk_buckets'],
    ...['kpi_promo_ctr', 'kpi_invalid_rate', 'kpi_spend_vs_budget', 'kpi_delivery', 'kpi_bounce'],
    ...['kpi_complaint', 'kpi_open_click', 'kpi_api_latency_p95', 'kpi_error_rates', 'kpi_waf_blocks'],
  ],
};

describe('the table catalog', () => {
  it('holds every Silver and Gold table plan §1.13.D names, each with the model that builds it', async () => {
    // Prepare
    const named = Object.entries(planTables).flatMap(([zone, names]) => names.map((n) => `${zone}.${n}`));
    const modelled = new Set((await loadModels()).map((m) => m.name));
    // Act
    const missing = named.filter((n) => !tables.some((t) => qualifiedName(t) === n));
    const unbuilt = named.filter((n) => !modelled.has(n));
    // Assess
    expect(named).toHaveLength(43);
    expect(missing).toEqual([]);
    expect(unbuilt).toEqual([]);
  });

  it('declares every user column, a sensitivity for every column, and contact data only in Silver private', () => {
    // Act
    const problems = catalogProblems(tables);
    // Assess
    expect(problems).toEqual([]);
  });

  it('names a user id left out of userColumns, and contact data in Gold', () => {
    // Prepare
    const messages = tables.find((t) => t.name === 'fact_messages') as TableDefinition;
    const gold = tables.find((t) => t.name === 'kpi_delivery') as TableDefinition;
    const broken = [
      { ...messages, userColumns: ['sender_id'] },
      {
        ...gold,
        columns: [...gold.columns, { name: 'email_sha256', type: 'string', sensitivity: 'restricted' }],
      },
    ] as TableDefinition[];
    // Act
    const problems = catalogProblems(broken);
    // Assess
    expect(problems).toEqual([
      'silver.fact_messages.recipient_id holds a user id but is not in userColumns',
      'gold.kpi_delivery.email_sha256 is contact data outside Silver private',
    ]);
  });
});
