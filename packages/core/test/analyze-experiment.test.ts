// The use case's own rules (windows, control choice, guardrail direction, SRM, alert events) over a
// query engine that answers with planted units; the real SQL on DuckDB is in
// test/integration/lake/exp-analyze.test.ts.
import { validateDetail } from '@lakeops/contracts';
import { ExperimentCatalog } from '@lakeops/experiments';
import { seededRandom } from '@lakeops/testing';
import { describe, expect, it } from 'vitest';
import {
  alertFromEvent,
  analyzeExperiment,
  type ExperimentQueries,
  type ExperimentWindow,
  type ExpResultRow,
  type PublishedEvent,
  type QueryEngine,
  type Row,
  type TableDefinition,
  type WritePartitionsInput,
} from '../src/index.ts';

const resultsTable: TableDefinition = {
  zone: 'gold',
  name: 'exp_results',
  description: 'test',
  format: 'parquet',
  columns: [],
  partitionKeys: ['dt', 'exp_key'],
  primaryKey: [],
  userColumns: [],
};

function catalog(values: Record<string, unknown>) {
  return ExperimentCatalog.fromDocument({
    version: '1',
    flags: { exp: { name: 'Test' } },
    values: {
      exp: {
        enabled: true,
        salt: 'exp',
        variants: ['control', 'treatment'],
        weights: [50, 50],
        primaryMetrics: ['gmv_per_user'],
        guardrails: ['refund_rate', 'slo_latency_p95'],
        ...values,
      },
    },
  }).get('exp');
}

/** Units: GMV with a pre-period covariate that predicts it, refunds at the given rate per variant. */
function plantUnits(
  counts: { control: number; treatment: number },
  refundRate: { control: number; treatment: number },
) {
  const random = seededRandom(7);
  const rows: Row[] = [];
  for (const variant of ['control', 'treatment'] as const) {
    for (let i = 0; i < counts[variant]; i++) {
      const pre = 50 + 100 * random();
      rows.push({
        variant,
        gmv_per_user: pre * 1.1 + 10 * random() + (variant === 'treatment' ? 3 : 0),
        covariate: pre,
        refund_rate: random() < refundRate[variant] ? 1 : 0,
      });
    }
  }
  return rows;
}

class PlantedEngine implements QueryEngine {
  readonly sql: string[] = [];
  readonly writes: WritePartitionsInput[] = [];
  readonly #units: Row[];
  readonly #firstExposure: string | null;
  constructor(units: Row[], firstExposure: string | null = '2026-11-10') {
    this.#units = units;
    this.#firstExposure = firstExposure;
  }
  async query(sql: string): Promise<Row[]> {
    this.sql.push(sql);
    return sql.startsWith('first') ? [{ first_exposed_on: this.#firstExposure }] : this.#units;
  }
  // biome-ignore lint/correctness/useYield: not read by the use case
  async *stream(): AsyncIterable<Row> {
    throw new Error('not used');
  }
  async writePartitions(input: WritePartitionsInput) {
    this.writes.push(input);
    return { rows: 0, written: input.partitions ?? [], removed: [] };
  }
  async rewritePartitions(): Promise<never> {
    throw new Error('not used');
  }
  async restorePartitions(): Promise<never> {
    throw new Error('not used');
  }
  async close() {}
}

const windows: ExperimentWindow[] = [];
const written: (readonly ExpResultRow[])[] = [];
const queries: ExperimentQueries = {
  firstExposureSql: (key) => `first ${key}`,
  unitsSql: (w) => {
    windows.push(w);
    return `units ${w.expKey}`;
  },
  resultsSql: (rows) => {
    written.push(rows);
    return 'results';
  },
};

async function analyze(engine: QueryEngine, values: Record<string, unknown> = {}) {
  const published: PublishedEvent[] = [];
  const result = await analyzeExperiment(
    {
      engine,
      events: { publish: async (e) => void published.push(...e) },
      clock: { now: () => new Date('2026-11-20T02:00:00Z') },
    },
    { experiment: catalog(values), resultsTable, queries, runId: 'run-1' },
  );
  return { result, published };
}

describe('analyzeExperiment', () => {
  it('reads from the first exposure day (no declared start) with 28 days of pre-period, to today; writes one partition', async () => {
    // Prepare
    const engine = new PlantedEngine(
      plantUnits({ control: 500, treatment: 500 }, { control: 0.1, treatment: 0.1 }),
    );
    // Act
    const { result } = await analyze(engine);
    // Assess
    expect(result.window).toEqual({
      expKey: 'exp',
      start: '2026-11-10',
      preFrom: '2026-10-13',
      to: '2026-11-20',
    });
    expect(engine.writes.map((w) => w.partitions)).toEqual([[{ dt: '2026-11-20', exp_key: 'exp' }]]);
    expect(result.rows.map((r) => `${r.metric}/${r.variant}/${r.role}`)).toEqual([
      'gmv_per_user/control/primary',
      'gmv_per_user/treatment/primary',
      'refund_rate/control/guardrail',
      'refund_rate/treatment/guardrail',
    ]);
    expect(result.skipped).toEqual([
      { metric: 'slo_latency_p95', reason: 'no per-user data for it in the lake' },
    ]);
  });

  it('uses the declared start, sequential by default, fixed horizon when declared', async () => {
    // Prepare
    const units = plantUnits({ control: 500, treatment: 500 }, { control: 0.1, treatment: 0.1 });
    // Act
    const sequential = await analyze(new PlantedEngine(units, null), { start: '2026-11-05T00:00:00Z' });
    const fixed = await analyze(new PlantedEngine(units), { analysis: 'fixed' });
    // Assess
    expect(sequential.result.window.start).toBe('2026-11-05');
    expect(sequential.result.rows[1]?.method).toBe('sequential-normal-mixture-cuped');
    expect(fixed.result.rows[1]?.method).toBe('cuped-welch-t');
    expect(fixed.result.rows[3]?.method).toBe('cuped-z');
    // the always-valid interval is the wider one
    const width = (r: ExpResultRow | undefined) => (r?.ci_high ?? 0) - (r?.ci_low ?? 0);
    expect(width(sequential.result.rows[1])).toBeGreaterThan(width(fixed.result.rows[1]));
  });

  it('publishes exp.guardrail.breached (valid against its contract) when a guardrail moves the harmful way, and none when it improves', async () => {
    // Prepare
    const worse = new PlantedEngine(
      plantUnits({ control: 2000, treatment: 2000 }, { control: 0.1, treatment: 0.2 }),
    );
    const better = new PlantedEngine(
      plantUnits({ control: 2000, treatment: 2000 }, { control: 0.2, treatment: 0.1 }),
    );
    // Act
    const breached = await analyze(worse);
    const improved = await analyze(better);
    // Assess
    expect(breached.published.map((e) => e.detailType)).toEqual(['exp.guardrail.breached']);
    const event = breached.published[0] as PublishedEvent;
    expect(event.source).toBe('lakeops.experiments');
    expect(validateDetail(event.detailType, event.detail)).toEqual({ ok: true, unknownFields: [] });
    expect(event.detail).toMatchObject({
      exp_key: 'exp',
      metric: 'refund_rate',
      variant: 'treatment',
      harmful_direction: 'up',
    });
    expect(
      breached.result.rows.find((r) => r.metric === 'refund_rate' && !r.is_control)?.guardrail_breached,
    ).toBe(true);
    expect(improved.published).toEqual([]);
    expect(
      improved.result.rows.find((r) => r.metric === 'refund_rate' && !r.is_control)?.guardrail_breached,
    ).toBe(false);
    // the alert routing reads it
    expect(
      alertFromEvent({ id: 'e1', 'detail-type': 'exp.guardrail.breached', detail: event.detail as never })
        .labels,
    ).toEqual({
      alertname: 'exp.guardrail',
      severity: 'warning',
      exp: 'exp',
      metric: 'refund_rate',
      variant: 'treatment',
    });
  });

  it('publishes exp.srm.detected (valid against its contract) when the split misses the declared weights', async () => {
    // Prepare: 1,100 / 900 under 50/50 is chi-square 20, p ≈ 7.7e-6
    const engine = new PlantedEngine(
      plantUnits({ control: 1100, treatment: 900 }, { control: 0.1, treatment: 0.1 }),
    );
    const even = new PlantedEngine(
      plantUnits({ control: 1000, treatment: 1000 }, { control: 0.1, treatment: 0.1 }),
    );
    // Act
    const { result, published } = await analyze(engine);
    const balanced = await analyze(even);
    // Assess
    expect(result.srm.mismatch).toBe(true);
    expect(result.srm.pValue).toBeCloseTo(7.74e-6, 7);
    expect(published.map((e) => e.detailType)).toEqual(['exp.srm.detected']);
    const detail = published[0]?.detail;
    expect(validateDetail('exp.srm.detected', detail)).toEqual({ ok: true, unknownFields: [] });
    expect(detail).toMatchObject({
      variants: [
        { variant: 'control', units: 1100, expected_units: 1000 },
        { variant: 'treatment', units: 900, expected_units: 1000 },
      ],
    });
    expect(
      alertFromEvent({ id: 'e2', 'detail-type': 'exp.srm.detected', detail: detail as never }).labels,
    ).toEqual({
      alertname: 'exp.srm',
      severity: 'error',
      exp: 'exp',
    });
    expect(balanced.published).toEqual([]);
  });

  it('refuses an experiment without exposures, with one variant exposed, or with undeclared variants: one message each', async () => {
    // Prepare
    const none = new PlantedEngine([], null);
    const one = new PlantedEngine(
      plantUnits({ control: 10, treatment: 0 }, { control: 0.1, treatment: 0.1 }),
    );
    const stranger = new PlantedEngine([{ variant: 'blue', gmv_per_user: 1, covariate: 1 }]);
    // Act / Assess
    await expect(analyze(none)).rejects.toThrow(
      "no exposures of 'exp' in silver.dim_exposure (is the lake built?)",
    );
    await expect(analyze(one)).rejects.toThrow(
      "only one variant of 'exp' has exposed units (control); a comparison needs two",
    );
    await expect(analyze(stranger)).rejects.toMatchObject({
      code: 'ExperimentAnalysisInvalid',
      message: "'exp' exposures name variants it does not declare: blue",
    });
  });

  it('skips a metric nobody moved and drops CUPED for a constant pre-period', async () => {
    // Prepare
    const units = plantUnits({ control: 300, treatment: 300 }, { control: 0, treatment: 0 });
    const constantPre = units.map((u) => ({ ...u, covariate: 5 }));
    // Act
    const skipped = await analyze(new PlantedEngine(units));
    const raw = await analyze(new PlantedEngine(constantPre));
    // Assess
    expect(skipped.result.skipped).toContainEqual({
      metric: 'refund_rate',
      reason: 'every unit has the same value (0)',
    });
    expect(raw.result.rows[1]).toMatchObject({
      method: 'sequential-normal-mixture',
      variance_reduction: null,
    });
  });
});
