import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { InvalidEventPatternError, InvalidTestEventError, testEventPattern } from '@lakeops/event-patterns';
import type { BusInput, BusRule, DurableEventBus, PutResult } from './durable-event-bus.ts';
import { BusClosedError } from './errors.ts';
import { type EnvelopeDefaults, localEnvelope } from './put-events-input.ts';
import {
  type EntryError,
  entrySize,
  entryToBusInput,
  PUT_EVENTS_MAX_BYTES,
  PUT_EVENTS_MAX_ENTRIES,
  type PutEventsResultEntry,
  resultEntry,
} from './put-events-request.ts';

const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** Request bodies above this are refused unread (PutEvents' 256 KB of entries, JSON-escaped, fit). */
const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;

/** One PutEvents call as the console shows it: ids, sources, types and routes, never payloads. */
export interface PutEventsReport {
  readonly requestId: string;
  readonly entries: readonly {
    readonly eventId?: string;
    readonly source: string;
    readonly detailType: string;
    readonly routes: readonly string[];
    readonly error?: string;
    /** Accepted, but archived in the quarantine: it broke its contract. */
    readonly quarantined?: boolean;
  }[];
}

export interface EventBridgeEndpointOptions {
  readonly bus: DurableEventBus;
  /** 0 picks a free port. */
  readonly port: number;
  /** Loopback only, by default. */
  readonly host?: string;
  readonly envelope?: EnvelopeDefaults;
  readonly maxBodyBytes?: number;
  /**
   * Refuse, at PutEvents, an event that breaks its contract (`InvalidArgument`, nothing stored).
   * Off by default: EventBridge accepts any well-formed entry, so by default such an event gets
   * an EventId, is quarantined with its reasons and is delivered like any other.
   */
  readonly strictContracts?: boolean;
  readonly onPutEvents?: (report: PutEventsReport) => void;
  /** Another local service on this port (the Lake Formation endpoint): it takes the requests it `handles`. */
  readonly otherService?: {
    handles(req: IncomingMessage): boolean;
    handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  };
}

/** An AWS-style error answer: `{"__type": "...", "message": "..."}` with a 4xx/5xx status. */
class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  constructor(status: number, type: string, message: string) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

type Operation = (body: Record<string, unknown>, requestId: string) => Promise<unknown>;

/**
 * The local EventBridge endpoint: `node:http` on 127.0.0.1 speaking the JSON 1.1 protocol
 * (`X-Amz-Target: AWSEvents.<Operation>`), so the unmodified `@aws-sdk/client-eventbridge` and
 * `aws events … --endpoint-url` work against it. Operations: `PutEvents` (into the durable bus),
 * `TestEventPattern`, `ListRules`, `DescribeRule` (rules are the route table's event routes).
 * Any credentials and signature are accepted. Malformed requests get AWS-style error JSON and a
 * 4xx; nothing a client sends brings the server down.
 *
 * @example
 * ```ts
 * const endpoint = await EventBridgeEndpoint.start({ bus, port: 4010 });
 * const client = new EventBridgeClient({ endpoint: endpoint.url, region: 'us-east-1' });
 * await client.send(new PutEventsCommand({ Entries: [...] }));
 * await endpoint.close();
 * ```
 */
export class EventBridgeEndpoint {
  readonly #server: Server;
  readonly #bus: DurableEventBus;
  readonly #envelope: EnvelopeDefaults;
  readonly #maxBody: number;
  readonly #strict: boolean;
  readonly #onPutEvents: ((report: PutEventsReport) => void) | undefined;
  readonly #operations: Record<string, Operation>;
  readonly #sockets = new Set<Socket>();
  #address: AddressInfo | undefined;

  private constructor(options: EventBridgeEndpointOptions) {
    this.#bus = options.bus;
    this.#envelope = options.envelope ?? localEnvelope;
    this.#maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#strict = options.strictContracts ?? false;
    this.#onPutEvents = options.onPutEvents;
    this.#operations = {
      PutEvents: (body, requestId) => this.#putEvents(body, requestId),
      TestEventPattern: async (body) => this.#testEventPattern(body),
      ListRules: async (body) => this.#listRules(body),
      DescribeRule: async (body) => this.#describeRule(body),
    };
    const other = options.otherService;
    this.#server = createServer((req, res) => {
      (other?.handles(req) ? other.handle(req, res) : this.#handle(req, res)).catch((error: unknown) => {
        // #handle answers every error it can; this is the last resort.
        if (!res.headersSent) send(res, 500, errorBody('InternalException', messageOf(error)), 'none');
        else res.destroy();
      });
    });
    this.#server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable) return socket.destroy();
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const body = JSON.stringify(
        errorBody('BadRequestException', 'The request could not be parsed as HTTP.'),
      );
      socket.end(
        `HTTP/1.1 ${status} Bad Request\r\nContent-Type: ${CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(options: EventBridgeEndpointOptions): Promise<EventBridgeEndpoint> {
    const endpoint = new EventBridgeEndpoint(options);
    await new Promise<void>((resolve, reject) => {
      endpoint.#server.once('error', reject);
      endpoint.#server.listen(options.port, options.host ?? '127.0.0.1', () => {
        endpoint.#server.off('error', reject);
        resolve();
      });
    });
    endpoint.#address = endpoint.#server.address() as AddressInfo;
    return endpoint;
  }

  get port(): number {
    return this.#address?.port ?? 0;
  }

  /** `http://127.0.0.1:<port>`: give it to SDK clients as `endpoint`, to the AWS CLI as `--endpoint-url`. */
  get url(): string {
    const host = this.#address?.address ?? '127.0.0.1';
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  /** Stops accepting connections, lets requests in flight finish (bounded), closes idle sockets. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const timer = setTimeout(() => {
      for (const s of this.#sockets) s.destroy();
    }, 2_000);
    await closed;
    clearTimeout(timer);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    res.setHeader('x-amzn-RequestId', requestId);
    const { body, tooLarge } = await readBody(req, this.#maxBody);
    if (req.method === 'GET' && (req.url === '/' || req.url === '/health')) {
      return send(res, 200, {
        status: 'ok',
        service: 'lakeops local EventBridge',
        rules: this.#bus.rules.length,
      });
    }
    try {
      if (req.method !== 'POST')
        throw new ApiError(405, 'MethodNotAllowedException', 'Only POST is supported.');
      if (tooLarge) {
        throw new ApiError(
          413,
          'RequestEntityTooLargeException',
          `Request body is larger than ${this.#maxBody} bytes.`,
        );
      }
      const target = header(req, 'x-amz-target');
      const [service, name] = target?.split('.') ?? [];
      const operation = service === 'AWSEvents' && name !== undefined ? this.#operations[name] : undefined;
      if (!operation || !Object.hasOwn(this.#operations, name ?? '')) {
        throw new ApiError(
          400,
          'UnknownOperationException',
          target
            ? `Operation ${target} is not supported by the local endpoint.`
            : 'Missing X-Amz-Target header.',
        );
      }
      let parsed: unknown;
      try {
        parsed = body.byteLength === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        throw new ApiError(400, 'SerializationException', 'The request body is not valid JSON.');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new ApiError(400, 'SerializationException', 'The request body must be a JSON object.');
      }
      send(res, 200, await operation(parsed as Record<string, unknown>, requestId));
    } catch (error) {
      if (error instanceof ApiError) return send(res, error.status, errorBody(error.type, error.message));
      if (error instanceof BusClosedError)
        return send(res, 503, errorBody('ServiceUnavailable', error.message));
      return send(res, 500, errorBody('InternalException', messageOf(error)));
    }
  }

  async #putEvents(body: Record<string, unknown>, requestId: string): Promise<unknown> {
    const entries = body.Entries;
    if (!Array.isArray(entries)) {
      throw validation("Value null at 'entries' failed to satisfy constraint: Member must not be null");
    }
    if (entries.length < 1 || entries.length > PUT_EVENTS_MAX_ENTRIES) {
      throw validation(
        `Value '[${entries.length} entries]' at 'entries' failed to satisfy constraint: Member must have length ${
          entries.length < 1
            ? 'greater than or equal to 1'
            : `less than or equal to ${PUT_EVENTS_MAX_ENTRIES}`
        }`,
      );
    }
    const size = entries.reduce((sum: number, e) => sum + entrySize(e), 0);
    if (size > PUT_EVENTS_MAX_BYTES)
      throw validation('Total size of the entries in the request is over the limit.');
    const checked = entries.map((e) => entryToBusInput(e, this.#envelope));
    const inputs: BusInput[] = checked.flatMap((c) => ('input' in c ? [c.input] : []));
    const taken = inputs.length > 0 ? await this.#bus.put(inputs, { strict: this.#strict }) : [];
    let next = 0;
    const results: (PutResult | EntryError)[] = checked.map((c) =>
      'error' in c ? c.error : (taken[next++] as PutResult),
    );
    const out: PutEventsResultEntry[] = results.map(resultEntry);
    this.#onPutEvents?.({
      requestId,
      entries: results.map((r, i) => {
        const entry = (entries[i] ?? {}) as Record<string, unknown>;
        const resultOut = out[i] as PutEventsResultEntry;
        const delivered = 'status' in r && r.status !== 'rejected';
        return {
          source: typeof entry.Source === 'string' ? entry.Source : '?',
          detailType: typeof entry.DetailType === 'string' ? entry.DetailType : '?',
          routes: delivered ? r.routes : [],
          ...('EventId' in resultOut ? { eventId: resultOut.EventId } : {}),
          ...('ErrorCode' in resultOut ? { error: resultOut.ErrorCode } : {}),
          ...('status' in r && r.status === 'quarantined' ? { quarantined: true } : {}),
        };
      }),
    });
    return { FailedEntryCount: out.filter((e) => 'ErrorCode' in e).length, Entries: out };
  }

  #testEventPattern(body: Record<string, unknown>): unknown {
    const pattern = body.EventPattern;
    const event = body.Event;
    if (typeof pattern !== 'string') throw validation('Parameter EventPattern is not valid.');
    if (typeof event !== 'string') throw validation('Parameter Event is not valid.');
    try {
      return { Result: testEventPattern(pattern, event) };
    } catch (error) {
      if (error instanceof InvalidEventPatternError) {
        throw new ApiError(400, 'InvalidEventPatternException', error.awsMessage);
      }
      if (error instanceof InvalidTestEventError) throw validation(error.message);
      throw error;
    }
  }

  #listRules(body: Record<string, unknown>): unknown {
    const prefix = typeof body.NamePrefix === 'string' ? body.NamePrefix : '';
    const limit = body.Limit === undefined ? 100 : body.Limit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw validation(
        `Value '${String(limit)}' at 'limit' failed to satisfy constraint: Member must be between 1 and 100`,
      );
    }
    const start = typeof body.NextToken === 'string' ? Number.parseInt(body.NextToken, 10) : 0;
    if (!Number.isInteger(start) || start < 0) throw validation('The NextToken is not valid.');
    const rules = this.#sortedRules().filter((r) => r.id.startsWith(prefix));
    const page = rules.slice(start, start + limit);
    const next = start + limit < rules.length ? { NextToken: String(start + limit) } : {};
    return { Rules: page.map((r) => this.#ruleJson(r)), ...next };
  }

  #describeRule(body: Record<string, unknown>): unknown {
    if (typeof body.Name !== 'string' || body.Name === '') throw validation('Parameter Name is not valid.');
    const rule = this.#bus.rules.find((r) => r.id === body.Name);
    if (!rule) {
      throw new ApiError(
        400,
        'ResourceNotFoundException',
        `Rule ${body.Name} does not exist on EventBus default.`,
      );
    }
    return { ...this.#ruleJson(rule), CreatedBy: this.#envelope.account };
  }

  #sortedRules(): BusRule[] {
    return [...this.#bus.rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  #ruleJson(rule: BusRule) {
    return {
      Name: rule.id,
      Arn: `arn:aws:events:${this.#envelope.region}:${this.#envelope.account}:rule/${rule.id}`,
      EventPattern: JSON.stringify(rule.pattern),
      State: 'ENABLED',
      ...(rule.description ? { Description: rule.description } : {}),
      EventBusName: 'default',
    };
  }
}

function validation(message: string): ApiError {
  return new ApiError(400, 'ValidationException', message);
}

function errorBody(type: string, message: string) {
  return { __type: type, message };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : 'internal error';
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Reads the body up to `max` bytes; past that, drains the rest (bounded) and says so. */
function readBody(req: IncomingMessage, max: number): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > max) {
        tooLarge = true;
        chunks.length = 0;
        if (size > max * 32) req.destroy(); // a client that never stops: hang up
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: Buffer.concat(chunks), tooLarge }));
    req.on('error', () => resolve({ body: Buffer.alloc(0), tooLarge: true }));
    req.on('close', () => resolve({ body: Buffer.concat(chunks), tooLarge }));
  });
}

function send(res: ServerResponse, status: number, body: unknown, requestId?: 'none'): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', CONTENT_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  if (status >= 400 && typeof body === 'object' && body !== null && '__type' in body) {
    res.setHeader('x-amzn-ErrorType', String((body as { __type: string }).__type));
  }
  if (requestId === 'none' && !res.hasHeader('x-amzn-RequestId'))
    res.setHeader('x-amzn-RequestId', randomUUID());
  res.end(text);
}
