// Draws the console's charts with uPlot from the JSON the page carries (#chart-data). Every chart
// has a table beside it with the same numbers, so nothing depends on this script.
(() => {
  const dataNode = document.getElementById('chart-data');
  if (!dataNode || typeof uPlot === 'undefined') return;
  const charts = JSON.parse(dataNode.textContent || '{}');
  const palette = ['#0b5cad', '#b35900', '#6e40c9', '#a40e26', '#116329'];

  function optionsFor(spec, width) {
    if (spec.kind === 'kpi') {
      const value = (_u, v) => (v == null ? '' : spec.percent ? `${(v * 100).toFixed(2)}%` : v.toFixed(0));
      return {
        data: [spec.x, spec.upper, spec.lower, spec.baseline, spec.observed, spec.anomaly],
        opts: {
          width,
          height: 220,
          title: spec.title,
          scales: { x: { time: true } },
          series: [
            {},
            { label: 'band upper', stroke: '#8c959f', width: 1, value },
            { label: 'band lower', stroke: '#8c959f', width: 1, value },
            { label: 'baseline', stroke: '#4a5560', dash: [6, 4], width: 1, value },
            { label: 'observed', stroke: '#0b5cad', width: 2, value },
            {
              label: 'anomaly',
              stroke: '#a40e26',
              width: 0,
              paths: () => null,
              points: { show: true, size: 10, stroke: '#a40e26', fill: '#a40e26' },
              value,
            },
          ],
          bands: [{ series: [1, 2], fill: 'rgba(140,149,159,0.2)' }],
          axes: [{}, { size: 64, values: (u, vals) => vals.map((v) => value(u, v)) }],
        },
      };
    }
    const spark = spec.kind === 'spark';
    return {
      data: [spec.x, ...spec.series.map((s) => s.values)],
      opts: {
        width: spark ? 128 : width,
        height: spark ? 40 : 220,
        ...(spark ? {} : { title: spec.title }),
        legend: { show: !spark },
        cursor: { show: !spark },
        scales: { x: { time: Boolean(spec.time) } },
        axes: spark ? [{ show: false }, { show: false }] : [{ label: spec.xLabel }, {}],
        series: [
          {},
          ...spec.series.map((s, i) => ({
            label: s.label,
            stroke: palette[i % palette.length],
            width: 2,
          })),
        ],
      },
    };
  }

  const drawn = [];
  for (const el of document.querySelectorAll('[data-chart]')) {
    const spec = charts[el.getAttribute('data-chart')];
    if (!spec || spec.x.length === 0) continue;
    const { opts, data } = optionsFor(spec, Math.max(el.clientWidth, 200));
    drawn.push({ el, spark: spec.kind === 'spark', plot: new uPlot(opts, data, el) });
  }
  let pending = 0;
  window.addEventListener('resize', () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      for (const d of drawn)
        if (!d.spark) d.plot.setSize({ width: Math.max(d.el.clientWidth, 200), height: 220 });
    });
  });
})();
