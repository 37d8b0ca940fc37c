import { LakeopsError } from '@lakeops/core';
import { createSilence, endSilence, readAlerts } from './alerts-data.ts';
import type { ConsoleDeps } from './console-deps.ts';
import { ConsoleRequestInvalidError } from './errors.ts';
import { kpiDetector, readKpis } from './kpi-data.ts';
import { readLineage } from './lineage-data.ts';
import { opsViewName, readOps, readOpsPanel } from './ops-data.ts';
import { readPrivacy } from './privacy-data.ts';
import { readQuality } from './quality-data.ts';
import {
  alertsPage,
  errorPage,
  kpisPage,
  lineagePage,
  opsPage,
  privacyPage,
  qualityPage,
} from './render-pages.ts';

/** A request as both drivers (node:http locally, a Lambda function URL on AWS) hand it over. */
export interface ConsoleRequest {
  readonly method: string;
  /** The path, starting with `/console`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly contentType: string | undefined;
  /** The body, read up to `consoleMaxBodyBytes`; `tooLarge` when there was more. */
  readonly body: string;
  readonly tooLarge: boolean;
}

export interface ConsoleResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Request bodies above this are refused (413): a silence is well under 4 KiB. */
export const consoleMaxBodyBytes = 16 * 1024;

const securityHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const json = (status: number, data: unknown): ConsoleResponse => ({
  status,
  headers: { ...securityHeaders, 'content-type': 'application/json; charset=utf-8' },
  body: `${JSON.stringify(data, null, 2)}\n`,
});
const html = (status: number, body: string): ConsoleResponse => ({
  status,
  headers: { ...securityHeaders, 'content-type': 'text/html; charset=utf-8' },
  body,
});
const redirect = (location: string): ConsoleResponse => ({
  status: 303,
  headers: { ...securityHeaders, location, 'content-type': 'text/plain; charset=utf-8' },
  body: `See ${location}\n`,
});

function parseJsonBody(req: ConsoleRequest): unknown {
  if (!(req.contentType ?? '').toLowerCase().startsWith('application/json'))
    throw new ConsoleRequestInvalidError(415, 'UnsupportedMediaType', 'send the body as application/json');
  try {
    return JSON.parse(req.body) as unknown;
  } catch (error) {
    throw new ConsoleRequestInvalidError(400, 'BodyInvalid', 'the body is not JSON', { cause: error });
  }
}

function formBody(req: ConsoleRequest): URLSearchParams {
  if (!(req.contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded'))
    throw new ConsoleRequestInvalidError(
      415,
      'UnsupportedMediaType',
      'send the form as application/x-www-form-urlencoded',
    );
  return new URLSearchParams(req.body);
}

const defaultUntil = (deps: ConsoleDeps) =>
  new Date(deps.clock.now().getTime() + 2 * 3_600_000).toISOString().slice(0, 16).concat(':00Z');

/** The JSON API under `/console/api/…`. */
async function api(deps: ConsoleDeps, req: ConsoleRequest, rest: string[]): Promise<ConsoleResponse> {
  const [what, arg, ...extra] = rest;
  const get = req.method === 'GET' || req.method === 'HEAD';
  const one = (allowed: string) => {
    if (req.method !== allowed && !(allowed === 'GET' && req.method === 'HEAD'))
      throw new ConsoleRequestInvalidError(
        405,
        'MethodNotAllowed',
        `${req.method} is not allowed here (${allowed})`,
      );
  };
  if (extra.length > 0) throw notFound(req.path);
  switch (what) {
    case undefined:
    case '':
      one('GET');
      return json(200, { endpoints: apiEndpoints });
    case 'ops':
      one('GET');
      return json(200, arg === undefined ? await readOps(deps) : await readOpsPanel(deps, opsViewName(arg)));
    case 'kpis':
      one('GET');
      if (arg !== undefined) throw notFound(req.path);
      return json(200, await readKpis(deps, kpiDetector(req.query.get('detector'))));
    case 'quality':
      one('GET');
      if (arg !== undefined) throw notFound(req.path);
      return json(200, await readQuality(deps));
    case 'alerts':
      one('GET');
      if (arg !== undefined) throw notFound(req.path);
      return json(200, await readAlerts(deps));
    case 'silences':
      if (arg === undefined) {
        if (get) return json(200, { silences: (await readAlerts(deps)).silences });
        one('POST');
        if (req.tooLarge) throw tooLarge();
        return json(201, await createSilence(deps, parseJsonBody(req)));
      }
      one('DELETE');
      await endSilence(deps, arg);
      return json(200, { expired: arg });
    case 'privacy':
      one('GET');
      if (arg !== undefined) throw notFound(req.path);
      return json(200, await readPrivacy(deps, req.query.get('principal')));
    case 'lineage': {
      one('GET');
      if (arg !== undefined) throw notFound(req.path);
      const around = await readLineage(deps, req.query.get('node'));
      if (!around) throw notFound(req.path);
      return json(200, around);
    }
    default:
      throw notFound(req.path);
  }
}

/** What `GET /console/api` lists. */
export const apiEndpoints = [
  'GET /console/api/ops',
  'GET /console/api/ops/{recon_gates|payout_backlog|dispute_queue}',
  'GET /console/api/kpis?detector=robust|plan-7d',
  'GET /console/api/quality',
  'GET /console/api/alerts',
  'GET /console/api/silences',
  'POST /console/api/silences {"matchers": [...], "until": "<ISO-8601>", "comment"?: "..."}',
  'DELETE /console/api/silences/{id}',
  'GET /console/api/privacy?principal=<name>',
  'GET /console/api/lineage?node=<zone.table|event:…|suite:…>',
] as const;

const notFound = (path: string) =>
  new ConsoleRequestInvalidError(
    404,
    'NotFound',
    `nothing at ${path.slice(0, 128)} (GET /console/api lists the API)`,
  );
const tooLarge = () =>
  new ConsoleRequestInvalidError(413, 'BodyTooLarge', `the body is larger than ${consoleMaxBodyBytes} bytes`);

/** The server-rendered pages under `/console/…`, and the forms they post. */
async function page(deps: ConsoleDeps, req: ConsoleRequest, rest: string[]): Promise<ConsoleResponse> {
  const [what, ...more] = rest;
  if (what === 'assets' && more.length === 1 && (req.method === 'GET' || req.method === 'HEAD')) {
    const asset = await deps.asset(more[0] ?? '');
    if (!asset) throw notFound(req.path);
    return {
      status: 200,
      headers: {
        ...securityHeaders,
        'content-type': asset.contentType,
        'cache-control': 'public, max-age=3600',
      },
      body: asset.body,
    };
  }
  if (what === 'alerts' && more[0] === 'silences') {
    if (req.method !== 'POST') throw new ConsoleRequestInvalidError(405, 'MethodNotAllowed', 'POST only');
    if (req.tooLarge) throw tooLarge();
    const form = formBody(req);
    if (more.length === 3 && more[2] === 'expire') {
      await endSilence(deps, more[1] ?? '');
      return redirect('/console/alerts?expired=1');
    }
    if (more.length !== 1) throw notFound(req.path);
    const input = {
      matchers: (form.get('matchers') ?? '')
        .split(/\r?\n/)
        .map((m) => m.trim())
        .filter(Boolean),
      until: form.get('until') ?? '',
      comment: form.get('comment') ?? '',
    };
    try {
      await createSilence(deps, input);
    } catch (error) {
      if (!(error instanceof ConsoleRequestInvalidError)) throw error;
      return html(
        400,
        alertsPage(await readAlerts(deps), {
          error: error.message,
          matchers: form.get('matchers') ?? '',
          until: input.until,
          comment: input.comment,
        }),
      );
    }
    return redirect('/console/alerts?created=1');
  }
  if (more.length > 0) throw notFound(req.path);
  if (req.method !== 'GET' && req.method !== 'HEAD')
    throw new ConsoleRequestInvalidError(405, 'MethodNotAllowed', `${req.method} is not allowed here (GET)`);
  switch (what) {
    case undefined:
    case '':
      return redirect('/console/ops');
    case 'ops':
      return html(200, opsPage(await readOps(deps)));
    case 'kpis':
      return html(200, kpisPage(await readKpis(deps, kpiDetector(req.query.get('detector')))));
    case 'quality':
      return html(200, qualityPage(await readQuality(deps)));
    case 'alerts': {
      const status = req.query.has('created')
        ? 'Silence created.'
        : req.query.has('expired')
          ? 'Silence expired.'
          : undefined;
      return html(
        200,
        alertsPage(await readAlerts(deps), { until: defaultUntil(deps), ...(status ? { status } : {}) }),
      );
    }
    case 'privacy':
      return html(200, privacyPage(await readPrivacy(deps, req.query.get('principal'))));
    case 'lineage': {
      const around = await readLineage(deps, req.query.get('node'));
      if (!around) throw notFound(req.path);
      return html(200, lineagePage(around));
    }
    default:
      throw notFound(req.path);
  }
}

/**
 * The console: JSON API under `/console/api`, server-rendered pages under `/console`. Every refusal
 * is a 4xx with a reason (`{"error": {"code", "message"}}` for the API, a page for the pages); an
 * unexpected failure is a 500 that names no internals (`onError` gets it, for the operator's log).
 *
 * @example
 * ```ts
 * const res = await handleConsoleRequest(deps, { method: 'GET', path: '/console/api/ops', query: new URLSearchParams(), contentType: undefined, body: '', tooLarge: false });
 * ```
 */
export async function handleConsoleRequest(
  deps: ConsoleDeps,
  req: ConsoleRequest,
  onError: (error: unknown) => void = () => {},
): Promise<ConsoleResponse> {
  const parts = req.path.split('/').slice(2).map(decodeSegment);
  const isApi = parts[0] === 'api';
  try {
    if (req.path !== '/console' && !req.path.startsWith('/console/')) throw notFound(req.path);
    const res = isApi ? await api(deps, req, parts.slice(1)) : await page(deps, req, parts);
    return req.method === 'HEAD' ? { ...res, body: '' } : res;
  } catch (error) {
    const known = error instanceof ConsoleRequestInvalidError;
    if (!known) onError(error);
    const status = known ? error.status : 500;
    const code = known ? error.code : error instanceof LakeopsError ? error.code : 'Internal';
    const message = known
      ? error.message
      : 'the console could not read its sources; the terminal running it has the details';
    return isApi ? json(status, { error: { code, message } }) : html(status, errorPage(status, message));
  }
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
