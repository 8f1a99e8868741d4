// The REST server of registered amalgamations: a fastify app with TF Serving's REST API under /v1,
// the Open Inference Protocol v2 under /v2, /metrics, optional bearer-token auth on every route but
// health, and the models' versions followed as their tags move.
import bearerAuth from '@fastify/bearer-auth';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ModelError } from '../model/errors';
import { RegistryError } from '../registry/errors';
import type { RegistryStore } from '../registry/store';
import { openRegistry } from '../registry/versioning';
import { PACKAGE_VERSION } from '../util/package';
import { Batcher, type BatchingOptions } from './batcher';
import type { ServeContext } from './context';
import { type Executor, inlineExecutor, workerExecutor } from './executor';
import { ServeError } from './errors';
import { FeedbackLog, feedbackFile } from './feedback';
import { type Canary, ModelHolder } from './holder';
import { ServeMetrics } from './metrics';
import { DriftMonitor } from './monitor';
import { registerOip } from './oip';
import { addRunning, removeRunning } from './running';
import { ServedSampler, type SamplingOptions } from './sampler';
import { registerTfServing } from './tfserving';

export interface ServeOptions {
  /** What to serve: NAME (its 'latest' tag), NAME@TAG (follows the tag) or NAME@VERSION (pinned). */
  model?: string;
  /** Several models at once (same forms as `model`). */
  models?: string[];
  /** The registry folder (default $AMALGAM_REGISTRY, else .amalgam/registry). */
  registry?: string;
  /** TCP port (default 8080; 0 picks a free one). */
  port?: number;
  /** Interface to bind (default 127.0.0.1: this machine only). */
  host?: string;
  /** Bearer token required on every route but /v2/health (default $AMALGAM_SERVE_TOKEN; none: no auth). */
  token?: string;
  /** Send a share of unpinned traffic to another tag: 'TAG=PERCENT' or {tag, percent}. */
  canary?: string | { tag: string; percent: number };
  /** Dynamic batching (default on: 64 rows, 2 ms); false runs every request alone. */
  batching?: BatchingOptions | false;
  /** Largest request body in bytes (default 16 MiB); bigger ones get 413. */
  bodyLimit?: number;
  /** How often tag moves are looked for (ms, default 250). */
  reloadMs?: number;
  /** fastify's request log (default off). */
  logger?: boolean;
  /** Run predict in a worker thread, overlapping with request handling (default false: on the event loop). */
  worker?: boolean;
  /**
   * The record of served traffic: a reservoir sample per version (default 2,000 rows with latent_low),
   * written to <registry>/served/NAME/VERSION.jsonl; false (or size 0) keeps none.
   */
  sample?: SamplingOptions | false;
}

/** Parses TAG=PERCENT. */
export function parseCanary(spec: ServeOptions['canary']): Canary | undefined {
  if (spec === undefined) return undefined;
  const { tag, percent } =
    typeof spec === 'string'
      ? (() => {
          const m = /^([\w.-]+)=(\d+(?:\.\d+)?)%?$/.exec(spec);
          if (!m) throw new ServeError(400, `--canary expects TAG=PERCENT (e.g. challenger=10), got "${spec}"`);
          return { tag: m[1], percent: Number(m[2]) };
        })()
      : spec;
  if (!(percent >= 0 && percent <= 100))
    throw new ServeError(400, `--canary ${tag}=${percent}: the percentage must be between 0 and 100`);
  return { tag, share: percent / 100 };
}

export class Server implements ServeContext {
  readonly app: FastifyInstance;
  readonly store: RegistryStore;
  readonly metrics = new ServeMetrics();
  readonly batcher: Batcher;
  readonly executor: Executor;
  readonly holders = new Map<string, ModelHolder>();
  /** The served-traffic sample (undefined when sampling is off). */
  readonly sampler?: ServedSampler;
  readonly drift?: DriftMonitor;
  private feedbackLogs = new Map<string, FeedbackLog>();
  private timer?: NodeJS.Timeout;
  readonly version = PACKAGE_VERSION;
  readonly bodyLimit: number;
  url = '';
  port = 0;
  host = '127.0.0.1';

  constructor(readonly options: ServeOptions = {}) {
    this.store = openRegistry(options.registry);
    this.bodyLimit = options.bodyLimit ?? 16 * 1024 * 1024;
    const refs = [...(options.model ? [options.model] : []), ...(options.models ?? [])];
    if (!refs.length) throw new ServeError(400, 'serve: name a model to serve (NAME, NAME@TAG or NAME@VERSION)');
    const canary = parseCanary(options.canary);
    this.executor = options.worker ? workerExecutor(this.store.dir) : inlineExecutor();
    this.metrics.trackExecutor(this.executor, !!options.worker);
    try {
      for (const ref of refs) {
        const at = ref.indexOf('@');
        const name = at < 0 ? ref : ref.slice(0, at);
        if (this.holders.has(name)) throw new ServeError(400, `serve: model ${name} is named twice`);
        const holder = new ModelHolder(this.store, name, at < 0 ? undefined : ref.slice(at + 1), {
          canary,
          warmUp: !options.worker,
          onChange: (e) => {
            this.metrics.reloads.inc({ model: name, kind: e.kind });
            if (e.kind === 'load') this.executor.loaded(e.version!);
            if (e.kind === 'dispose') this.executor.disposed(e.version!);
          },
        });
        this.holders.set(name, holder);
      }
    } catch (e) {
      // A model that cannot be served frees the ones already loaded.
      for (const h of this.holders.values()) h.dispose();
      void this.executor.close();
      throw e;
    }
    if (options.sample !== false && (options.sample?.size ?? 1) > 0) {
      this.sampler = new ServedSampler(this.store.dir, options.sample || {});
      this.drift = new DriftMonitor(this.store, this.executor, this.sampler, () => {
        const all = new Map();
        for (const h of this.holders.values()) for (const v of h.versions) all.set(v.id, v);
        return all;
      });
      this.metrics.trackDrift(this.sampler, this.drift);
    }
    this.batcher = new Batcher(
      this.executor,
      options.batching === false ? { maxBatch: 1 } : options.batching,
      this.metrics,
      this.sampler ? (v) => this.sampler!.repsOf(v) : undefined,
    );
    this.app = this.buildApp();
  }

  /** The holder of a served model, or 404 naming the models served here. */
  holder(name: string): ModelHolder {
    const h = this.holders.get(name);
    if (!h)
      throw new ServeError(404, `no model "${name}" is served here (models: ${[...this.holders.keys()].join(', ')})`);
    return h;
  }

  feedback(name: string): FeedbackLog {
    let log = this.feedbackLogs.get(name);
    if (!log) {
      log = new FeedbackLog(feedbackFile(this.store.dir, name));
      this.feedbackLogs.set(name, log);
    }
    return log;
  }

  private buildApp(): FastifyInstance {
    const app = Fastify({
      logger: this.options.logger ?? false,
      bodyLimit: this.bodyLimit,
      // Clients behind proxies retry; a slow client must not hold a connection forever.
      requestTimeout: 60_000,
    });
    // Every body arrives as bytes: JSON (whatever the content type says; curl -d sends
    // x-www-form-urlencoded) or Triton's binary tensor data after a JSON header.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.decorateRequest('served', undefined);

    app.addHook('onResponse', async (request, reply) => {
      const info = request.served ?? { route: 'other' };
      const labels = { model: info.model ?? '', route: info.route };
      this.metrics.requests.inc({
        ...labels,
        version: info.version?.slice(0, 12) ?? '',
        status: String(reply.statusCode),
      });
      this.metrics.latency.observe(labels, reply.elapsedTime / 1000);
    });

    app.setErrorHandler((error: any, request, reply) => {
      const { status, message } = describeError(error, this.bodyLimit);
      if (status >= 500) request.log.error(error);
      reply.code(status).type('application/json').send({ error: message });
    });
    app.setNotFoundHandler((request, reply) => {
      reply.code(404).send({
        error: `no route ${request.method} ${request.url.split('?')[0]} (see /v1/models/NAME, /v2/models/NAME, /v2/health/ready, /metrics)`,
      });
    });

    // Health answers without a token: probes carry none.
    app.get('/v2/health/live', async (request) => {
      request.served = { route: 'v2_health' };
      return { live: true };
    });
    app.get('/v2/health/ready', async (request, reply) => {
      request.served = { route: 'v2_health' };
      const ready = [...this.holders.values()].every((h) => !h.defaultVersion.disposed);
      reply.code(ready ? 200 : 503);
      return { ready };
    });

    app.register(async (scope) => {
      const token = this.options.token ?? process.env.AMALGAM_SERVE_TOKEN;
      if (token)
        await scope.register(bearerAuth, {
          keys: new Set([token]),
          errorResponse: (err: Error) => ({ error: `unauthorized: ${err.message} (send Authorization: Bearer TOKEN)` }),
          verifyErrorLogLevel: 'debug',
        } as any);
      scope.get('/metrics', async (request, reply) => {
        request.served = { route: 'metrics' };
        reply.type(this.metrics.contentType);
        return this.metrics.text();
      });
      registerTfServing(scope, this);
      registerOip(scope, this);
    });
    return app;
  }

  /** Starts listening; resolves once the server accepts connections. */
  async listen(): Promise<this> {
    this.host = this.options.host ?? '127.0.0.1';
    try {
      await this.app.listen({ port: this.options.port ?? 8080, host: this.host });
    } catch (e) {
      for (const h of this.holders.values()) h.dispose(); // e.g. the port is taken: nothing stays loaded
      await this.executor.close();
      throw e;
    }
    const address = this.app.server.address();
    this.port = typeof address === 'object' && address ? address.port : (this.options.port ?? 8080);
    const shown = this.host.includes(':') ? `[${this.host}]` : this.host;
    this.url = `http://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${this.port}`;
    this.timer = setInterval(() => this.refresh(), this.options.reloadMs ?? 250);
    this.timer.unref();
    addRunning(this);
    return this;
  }

  /** What is served where, one line per model. */
  describe(): string {
    return [...this.holders.values()]
      .map(
        (h) =>
          `${h.name}@${h.defaultVersion.id.slice(0, 12)}${h.follows ? ` (follows ${h.follows})` : ''}${h.canary ? `, canary ${h.canary.tag} ${Math.round(h.canary.share * 100)}%` : ''} at ${this.url}`,
      )
      .join('\n');
  }

  [Symbol.for('Jupyter.display')]() {
    const text = this.url ? `serving ${this.describe()}` : 'not listening';
    return { 'text/plain': text, 'text/html': `<code>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</code>` };
  }

  /** Looks for tag moves now (the timer does this every reloadMs). */
  refresh(): void {
    for (const h of this.holders.values()) h.refresh();
  }

  /** Stops accepting, lets in-flight requests finish, then disposes every version. */
  async close(): Promise<void> {
    removeRunning(this);
    clearInterval(this.timer);
    await this.app.close();
    await this.sampler?.close(); // the kept rows are written before the server goes
    for (const h of this.holders.values()) h.dispose();
    for (const log of this.feedbackLogs.values()) log.close();
    await this.executor.close();
  }
}

/** A request's error as a status and message: 4xx for anything the client sent, 5xx only for faults here. */
export function describeError(error: any, bodyLimit?: number): { status: number; message: string } {
  if (error instanceof ServeError) return { status: error.status, message: error.message };
  if (error?.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return { status: 413, message: `the body is larger than the limit of ${bodyLimit ?? "the server's"} bytes` };
  if (typeof error?.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500)
    return { status: error.statusCode, message: error.message };
  if (error instanceof ModelError || error?.name === 'DataError') return { status: 400, message: error.message };
  if (error instanceof RegistryError && /\bno (model|version|tag)\b|no version or tag/.test(error.message))
    return { status: 404, message: error.message };
  return { status: 500, message: `internal error: ${error?.message ?? String(error)}` };
}

/** Starts serving; resolves with the running server (its `url`, and `close()`). */
export async function start(options: ServeOptions): Promise<Server> {
  return new Server(options).listen();
}

export type { FastifyReply, FastifyRequest };
