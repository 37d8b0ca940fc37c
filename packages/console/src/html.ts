/** HTML escaping for text and attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON inside `<script type="application/json">`: `<` escaped so no `</script>` can close it. */
export function jsonScript(id: string, data: unknown): string {
  return `<script type="application/json" id="${esc(id)}">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`;
}

export const pages = [
  { path: 'ops', title: 'Ops' },
  { path: 'kpis', title: 'KPIs' },
  { path: 'quality', title: 'Quality' },
  { path: 'alerts', title: 'Alerts' },
  { path: 'privacy', title: 'Privacy' },
  { path: 'lineage', title: 'Lineage' },
] as const;
export type PageName = (typeof pages)[number]['path'];

/** The page frame: skip link, navigation, main landmark; the charting library only where charts are. */
export function layout(
  page: PageName | null,
  body: string,
  options: { charts?: unknown; status?: string; title?: string } = {},
): string {
  const title = options.title ?? pages.find((p) => p.path === page)?.title ?? 'Console';
  const nav = pages
    .map(
      (p) =>
        `<li><a href="/console/${p.path}"${p.path === page ? ' aria-current="page"' : ''}>${esc(p.title)}</a></li>`,
    )
    .join('');
  const charts = options.charts === undefined;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · lakeops console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/console.css">
${charts ? '' : '<link rel="stylesheet" href="/console/assets/uPlot.min.css">'}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header><p class="brand">lakeops console</p><nav aria-label="Pages"><ul>${nav}</ul></nav></header>
<main id="main" tabindex="-1">
<h1>${esc(title)}</h1>
${options.status ? `<p class="status" role="status">${esc(options.status)}</p>` : ''}
${body}
</main>
${charts ? '' : `${jsonScript('chart-data', options.charts)}\n<script src="/console/assets/uPlot.iife.min.js" defer></script>\n<script src="/console/assets/console.js" defer></script>`}
</body>
</html>
`;
}

/** A number as the page shows it: integers as they are, others with two decimals. */
export function fmt(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}

export function lagText(seconds: number | null): string {
  if (seconds === null) return 'never refreshed';
  if (seconds < 120) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min`;
}
