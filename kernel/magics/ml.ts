import * as tf from '@tensorflow/tfjs';
import { escapeHtml, html } from '../../lib/display/bundle';
import { activeBackend, type BackendName, backendStatus, selectBackend, useBackend, BACKENDS } from '../../lib/backend';
import { UsageError } from '../../lib/magics/args';
import { registerMagic } from '../../lib/magics/registry';
import { seed } from '../../lib/random';

registerMagic({
  name: 'seed',
  kind: 'line',
  help: "%seed N\n\nSeeds tfjs (initialisers, shuffles, dropout: they draw from Math.random), Math.random and\namalgam's own generator, so seeded cells repeat exactly.",
  run: ({ args }) => {
    const n = Number(args._[0]);
    if (args._[0] === undefined || !Number.isInteger(n))
      throw new UsageError('seed', `expects an integer, got ${args._[0] ?? 'nothing'}`);
    seed(n);
    console.log(`Seeded tfjs, Math.random and amalgam with ${n}.`);
  },
});

async function statusTable() {
  await selectBackend().catch(() => undefined);
  const rows = await backendStatus();
  const threads = (r: { threads?: number }) => (r.threads === undefined ? '' : String(r.threads));
  const text = rows
    .map(
      (r) =>
        `${r.active ? '*' : ' '} ${r.name.padEnd(15)} ${(r.available ? 'available' : 'unavailable').padEnd(12)} ${threads(r) ? `threads ${threads(r)}  ` : ''}${r.reason}`,
    )
    .join('\n');
  const table = `<table><thead><tr><th>backend</th><th>status</th><th>threads</th><th>why</th></tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr><td><code>${r.name}</code></td><td>${r.active ? '<b>active</b>' : r.available ? 'available' : 'unavailable'}</td><td>${threads(r)}</td><td>${escapeHtml(r.reason)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
  return { ...html(table), [Symbol.for('Jupyter.display')]: () => ({ 'text/html': table, 'text/plain': text }) };
}

registerMagic({
  name: 'backend',
  kind: 'line',
  help: `%backend [NAME]\n\nWithout NAME: each tfjs backend (${BACKENDS.map((b) => b.name).join(', ')}) as active, available\nor unavailable, with the reason. With NAME: switches to it, or fails naming why it is unavailable.`,
  run: async ({ args }) => {
    const name = args._[0];
    if (name) {
      if (!BACKENDS.some((b) => b.name === name))
        throw new UsageError(
          'backend',
          `unknown backend ${name}: choose one of ${BACKENDS.map((b) => b.name).join(', ')}`,
        );
      try {
        await useBackend(name as BackendName);
      } catch (e) {
        throw new UsageError('backend', (e as Error).message);
      }
    }
    return statusTable();
  },
});

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

registerMagic({
  name: 'memory',
  kind: 'line',
  help: "%memory\n\ntfjs tensors and their bytes on the active backend, and the kernel process's memory (RSS, heap).",
  run: () => {
    const m = tf.memory();
    const p = process.memoryUsage();
    const rows: [string, string][] = [
      ['tfjs backend', activeBackend() ?? tf.getBackend()],
      ['tensors', String(m.numTensors)],
      ['tensor bytes', mib(m.numBytes)],
      ['data buffers', String(m.numDataBuffers)],
      ['process RSS', mib(p.rss)],
      ['JS heap used', mib(p.heapUsed)],
      ['external (wasm, buffers)', mib(p.external + p.arrayBuffers)],
    ];
    const table = `<table>${rows.map(([k, v]) => `<tr><th style="text-align:left">${k}</th><td>${v}</td></tr>`).join('')}</table>`;
    return {
      [Symbol.for('Jupyter.display')]: () => ({
        'text/html': table,
        'text/plain': rows.map(([k, v]) => `${k.padEnd(26)}${v}`).join('\n'),
      }),
    };
  },
});
