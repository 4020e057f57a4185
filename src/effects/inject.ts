/**
 * `inject()`: run one request through stages and an app without a socket, and get the response
 * back as data. Fastify's `inject` is the model, and light-my-request (which Fastify uses) builds
 * the fake request and response.
 *
 * Why it builds the same pipeline as a worker: `requestPipeline` is the one place stages and the
 * app are composed, so what a test sees (a stage that answers, a stage that throws, an app that
 * rejects) is what a worker does. Any app runicorn serves is accepted: a `(req, res)` listener,
 * Express, Koa, Fastify or a Fetch handler.
 *
 * @example
 * const reply = await inject({ app, stages: [requireHost] }, { url: '/', headers: { host: 'x' } });
 * assert.equal(reply.status, 200);
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import lightMyRequest, { type InjectOptions } from 'light-my-request';
import { Subject } from 'rxjs';
import { respond, type Exchange } from '../streams/pipeline/exchange';
import { requestPipeline } from '../streams/pipeline/request-pipeline';
import type { Handler } from '../streams/pipeline/serve';
import type { Stage } from '../streams/pipeline/stage';
import { adaptApp, type AppKind } from './load-app';
import { hookLog } from './hook-runner';
import type { Logger } from './logger';

/**
 * What to run the request through.
 *
 * @example
 * const target: InjectTarget = { app: (req, res) => res.end('ok'), stages: [requireHost] };
 */
export interface InjectTarget {
  /** The app, as a value: a `(req, res)` listener, Express, Koa, Fastify, or a Fetch handler. */
  readonly app: unknown;
  /** The stages, as the `stages` setting takes them (a function gets a stand-in worker). */
  readonly stages?:
    | ReadonlyArray<Stage>
    | ((worker: InjectWorker) => ReadonlyArray<Stage> | Promise<ReadonlyArray<Stage>>)
    | null;
  /** As `--app-kind`: 'fetch' for a bare `(request) => Response` function. */
  readonly appKind?: AppKind;
}

/**
 * The worker a `stages` function sees under `inject()`: this process, age 1, logging into `logs`.
 *
 * @example
 * stages: (worker) => [logRequests(worker.log)]
 */
export interface InjectWorker {
  readonly pid: number;
  readonly age: number;
  readonly log: ReturnType<typeof hookLog>;
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * The request: a URL path, or light-my-request's options (`method`, `url`, `headers`, `payload`, …).
 *
 * @example
 * { method: 'POST', url: '/items', payload: { name: 'x' } }
 */
export type InjectRequest =
  | string
  | {
      readonly method?: string;
      readonly url?: string;
      readonly headers?: IncomingHttpHeaders | OutgoingHttpHeaders;
      readonly query?: string | Readonly<Record<string, string | string[]>>;
      readonly payload?: string | object | Buffer;
      readonly remoteAddress?: string;
    };

/**
 * The response as data, plus what went wrong on the way.
 *
 * @example
 * { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Internal Server Error\n', errors: [err] }
 */
export interface InjectResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | number | undefined>>;
  readonly body: string;
  /** What the app threw or rejected with, or a stage threw (each answered with a 500). */
  readonly errors: readonly unknown[];
  /** Lines the stand-in worker's `log` received. */
  readonly logs: readonly string[];
}

type NodeExchange = Exchange<IncomingMessage, ServerResponse>;

/**
 * Run `request` through `target.stages` and `target.app`; resolves with the response.
 *
 * @example
 * const { status, body } = await inject({ app }, '/health');
 */
export async function inject(target: InjectTarget, request: InjectRequest = '/'): Promise<InjectResponse> {
  const errors: unknown[] = [];
  const logs: string[] = [];
  const logger: Logger = { log: (level, message) => void logs.push(`[${level.toUpperCase()}] ${message}`) };
  const worker: InjectWorker = { pid: process.pid, age: 1, log: hookLog(logger), config: {} };
  const app = await adaptApp(target.app, {
    kind: target.appKind ?? 'auto',
    what: "inject()'s app",
    onError: (e) => errors.push(e),
  });
  const given = target.stages ?? [];
  const stages = typeof given === 'function' ? await given(worker) : given;

  const request$ = new Subject<Exchange>();
  let current: NodeExchange | undefined;
  const pipeline = request$
    .pipe(
      requestPipeline<Exchange>(stages, app.listener as Handler<Exchange>, {
        concurrency: 1,
        onError: (error) => errors.push(error),
        onStageError: (error) => errors.push(error),
      }),
    )
    .subscribe({
      // A pipeline that ends on an error answers nothing; answer the request in hand so the test sees it.
      error: (error: unknown) => {
        errors.push(error);
        if (current) respond(current, 500, 'Internal Server Error\n');
      },
    });
  try {
    const options = typeof request === 'string' ? { url: request } : request;
    const response = await lightMyRequest((req, res) => {
      pinFakeMethods(req, REQUEST_METHODS);
      pinFakeMethods(res, RESPONSE_METHODS);
      current = { req, res };
      request$.next(current);
    }, options as InjectOptions);
    return { status: response.statusCode, headers: response.headers, body: response.payload, errors, logs };
  } finally {
    pipeline.unsubscribe();
  }
}

/** What light-my-request's fake request and response override on their prototypes. */
const REQUEST_METHODS = ['destroy'] as const;
const RESPONSE_METHODS = ['setTimeout', 'writeHead', 'write', 'end', 'destroy', 'addTrailers'] as const;

/**
 * Express swaps the request's and response's prototypes for its own (which extend node:http's),
 * so the fake's overrides would be lost and the body written nowhere; as own properties they stay.
 */
function pinFakeMethods(target: object, names: readonly string[]): void {
  const own = target as Record<string, unknown>;
  // biome-ignore lint/correctness/noSelfAssign: copies an inherited method onto the object itself
  for (const name of names) own[name] = own[name];
}
