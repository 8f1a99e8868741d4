// Prometheus metrics (prom-client), one registry per server so servers in one process stay apart:
// requests by model, version, route and status; latency; batch sizes; queue delay; tfjs memory;
// Node's process metrics (RSS, heap, event-loop lag).
import * as tf from '@tensorflow/tfjs';
import * as prom from 'prom-client';
import type { BatchObserver } from './batcher';
import type { Executor } from './executor';
import type { DriftMonitor } from './monitor';
import type { ServedSampler } from './sampler';

export class ServeMetrics implements BatchObserver {
  readonly registry = new prom.Registry();
  readonly requests: prom.Counter<'model' | 'version' | 'route' | 'status'>;
  readonly latency: prom.Histogram<'model' | 'route'>;
  readonly batchSize: prom.Histogram;
  readonly batchRequests: prom.Histogram;
  readonly queueDelaySeconds: prom.Histogram;
  readonly reloads: prom.Counter<'model' | 'kind'>;
  readonly feedback: prom.Counter<'model'>;

  constructor() {
    const registers = [this.registry];
    this.requests = new prom.Counter({
      name: 'amalgam_requests_total',
      help: 'Requests by model, version, route and HTTP status',
      labelNames: ['model', 'version', 'route', 'status'],
      registers,
    });
    this.latency = new prom.Histogram({
      name: 'amalgam_request_duration_seconds',
      help: 'Time from request to response, by model and route',
      labelNames: ['model', 'route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.batchSize = new prom.Histogram({
      name: 'amalgam_batch_size',
      help: 'Rows per predict call (dynamic batching merges concurrent requests)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    });
    this.batchRequests = new prom.Histogram({
      name: 'amalgam_batch_requests',
      help: 'Requests merged per predict call',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers,
    });
    this.queueDelaySeconds = new prom.Histogram({
      name: 'amalgam_queue_delay_seconds',
      help: 'Time a request waited in the batching queue',
      buckets: [0, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05],
      registers,
    });
    this.reloads = new prom.Counter({
      name: 'amalgam_model_events_total',
      help: 'Version loads, switches, disposals and load errors by model',
      labelNames: ['model', 'kind'],
      registers,
    });
    this.feedback = new prom.Counter({
      name: 'amalgam_feedback_rows_total',
      help: 'Feedback rows appended, by model',
      labelNames: ['model'],
      registers,
    });
    new prom.Gauge({
      name: 'amalgam_tf_tensors',
      help: 'Live tfjs tensors (tf.memory().numTensors)',
      registers,
      collect() {
        this.set(tf.memory().numTensors);
      },
    });
    new prom.Gauge({
      name: 'amalgam_tf_bytes',
      help: 'Bytes held by live tfjs tensors (tf.memory().numBytes)',
      registers,
      collect() {
        this.set(tf.memory().numBytes);
      },
    });
    prom.collectDefaultMetrics({ register: this.registry });
  }

  /** In worker mode, the predict worker's tfjs memory too. */
  trackExecutor(executor: Executor, worker: boolean): void {
    if (!worker) return;
    const registers = [this.registry];
    new prom.Gauge({
      name: 'amalgam_worker_tf_tensors',
      help: 'Live tfjs tensors in the predict worker thread',
      registers,
      async collect() {
        this.set((await executor.memory().catch(() => ({ numTensors: Number.NaN }))).numTensors);
      },
    });
  }

  /**
   * The served-traffic sample and its drift per representation: rows kept and offered per version,
   * MMD² and the permutation test's p-value, the Bonferroni-corrected KS p-value, and 1/0 for drift.
   * Drift is computed when /metrics is scraped, only if the sample changed since the last scrape.
   */
  trackDrift(sampler: ServedSampler, monitor: DriftMonitor): void {
    const registers = [this.registry];
    const each = (f: (name: string, version: string, r: import('./reservoir').Reservoir) => void) => {
      for (const [id, { name, reservoir }] of sampler.reservoirs) f(name, id.slice(0, 12), reservoir);
    };
    new prom.Gauge({
      name: 'amalgam_served_sample_rows',
      help: 'Rows in the served-traffic reservoir sample, by model and version',
      labelNames: ['model', 'version'],
      registers,
      collect() {
        this.reset();
        each((model, version, r) => this.set({ model, version }, r.size));
      },
    });
    new prom.Gauge({
      name: 'amalgam_served_rows_seen',
      help: 'Rows offered to the reservoir sample (served rows), by model and version',
      labelNames: ['model', 'version'],
      registers,
      collect() {
        this.reset();
        each((model, version, r) => this.set({ model, version }, r.seen));
      },
    });
    const labelNames = ['model', 'version', 'representation'] as const;
    const perRep = (name: string, help: string, value: (r: import('./drift').RepresentationDrift) => number) =>
      new prom.Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          const reports = await monitor.reports();
          this.reset();
          for (const { name: model, version, report } of reports)
            for (const r of report.reps)
              this.set({ model, version: version.slice(0, 12), representation: r.rep }, value(r));
        },
      });
    perRep('amalgam_drift_mmd2', 'MMD² of served against training rows, per representation', (r) => r.mmd2);
    perRep('amalgam_drift_p_value', "The MMD permutation test's p-value, per representation", (r) => r.pValue);
    perRep(
      'amalgam_drift_ks_p_value',
      'Per-dimension KS p-value, Bonferroni-corrected, per representation',
      (r) => r.ksPValue,
    );
    perRep('amalgam_drift', '1 when the representation drifted (MMD permutation p < 0.05), else 0', (r) =>
      r.drift ? 1 : 0,
    );
  }

  batch(rows: number, requests: number): void {
    this.batchSize.observe(rows);
    this.batchRequests.observe(requests);
  }

  queueDelay(seconds: number): void {
    this.queueDelaySeconds.observe(seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
