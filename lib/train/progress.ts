// Live feedback during fit: one progress line updated in place, and a loss chart redrawn each epoch.
import { escapeHtml } from '../display/bundle';
import { display, displayUpdatesInPlace } from '../display/output';
import { trainingCurves, type HistoryRecord } from '../viz/training';

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
