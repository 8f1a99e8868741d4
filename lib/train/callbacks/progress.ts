// Live feedback during fit: one progress line updated in place, and a loss chart redrawn each epoch.
import { escapeHtml } from '../../display/bundle';
import { display, displayUpdatesInPlace } from '../../display/output';
import type { HistoryRecord } from '../../model/types';
import { trainingCurves } from '../../viz/training';
import type { BatchLogs, Callback, EpochLogs, TrainingState } from './base';

let runs = 0;

const fmtTime = (s: number) =>
  !Number.isFinite(s)
    ? '?'
    : s >= 3600
      ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
      : `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}`;

export interface ProgressState {
  epoch: number;
  epochs: number;
  seen: number;
  total: number;
  samplesPerSec: number;
  etaSec: number;
  losses: Record<string, number>;
  lr: number;
  note?: string;
}

export function progressText(p: ProgressState): string {
  const losses = Object.entries(p.losses)
    .map(([h, v]) => `${h} ${v.toFixed(4)}`)
    .join(' · ');
  return `epoch ${p.epoch}/${p.epochs} · ${p.seen.toLocaleString('en')}/${p.total.toLocaleString('en')} · ${Math.round(p.samplesPerSec).toLocaleString('en')} samples/s · ETA ${fmtTime(p.etaSec)} · lr ${p.lr.toPrecision(3)} · loss ${losses}${p.note ? ` · ${p.note}` : ''}`;
}

export class Progress {
  private id = `amalgam-train-${process.pid}-${++runs}`;
  private lastLine = 0;
  private started = false;
  constructor(private live: boolean) {}

  /** Updates the progress line, at most every `everyMs` unless `force`. */
  async line(p: ProgressState, force = false, everyMs = 500): Promise<void> {
    if (!this.live) return;
    const now = Date.now();
    if (!force && now - this.lastLine < everyMs) return;
    if (!displayUpdatesInPlace() && !force) return; // plain Node: one line per epoch
    this.lastLine = now;
    const text = progressText(p);
    const value = {
      [Symbol.for('Jupyter.display')]: () => ({
        'text/plain': text,
        'text/html': `<pre style="margin:0">${escapeHtml(text)}</pre>`,
      }),
    };
    await display(value, { id: `${this.id}-line`, update: this.started && displayUpdatesInPlace() });
    this.started = true;
  }

  private charted = false;
  async chart(history: HistoryRecord[]): Promise<void> {
    if (!this.live || !displayUpdatesInPlace() || history.length === 0) return;
    await display(trainingCurves(history, { title: 'training' }), { id: `${this.id}-chart`, update: this.charted });
    this.charted = true;
  }
}

/** The progress line (every 500 ms and at each epoch's end) and the loss chart (each epoch), in place. */
export class ProgressCallback implements Callback {
  private readonly progress = new Progress(true);
  private epoch = 0;

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  async onBatchEnd(_batch: number, logs: BatchLogs, state: TrainingState): Promise<void> {
    const left = logs.total - logs.seen + (state.epochs - this.epoch) * logs.total;
    await this.progress.line({
      epoch: this.epoch,
      epochs: state.epochs,
      seen: logs.seen,
      total: logs.total,
      samplesPerSec: logs.samplesPerSec,
      etaSec: left / logs.samplesPerSec,
      lr: state.lr,
      losses: logs.losses,
    });
  }

  async onEpochEnd(epoch: number, logs: EpochLogs, state: TrainingState): Promise<void> {
    const val = logs.val;
    const note = val
      ? `val ${state.heads.map((p) => `${p.name} ${val[p.name].loss.toFixed(4)}`).join(' · ')}`
      : undefined;
    await this.progress.line(
      {
        epoch,
        epochs: state.epochs,
        seen: state.samples,
        total: state.samples,
        samplesPerSec: logs.samplesPerSec,
        etaSec: ((state.epochs - epoch) * state.samples) / logs.samplesPerSec,
        lr: state.lr,
        losses: Object.fromEntries(state.heads.map((p) => [p.name, logs.train[p.name].loss])),
        note,
      },
      true,
    );
    await this.progress.chart(state.history);
  }
}
