// %seed, %backend, %memory: what the tensors run on and how much they hold.
import * as tf from '@tensorflow/tfjs';
import { activeBackend, BACKENDS, type BackendName, backendStatus, selectBackend, useBackend } from '../../lib/backend';
import { tableBundle } from '../../lib/display/table';
import { UsageError } from '../../lib/magics/args';
import { defineMagic } from '../../lib/magics/magic';
import { seed } from '../../lib/random';

const displays = (view: Record<string, unknown>) => ({ [Symbol.for('Jupyter.display')]: () => view });

defineMagic({
  name: 'seed',
  kind: 'line',
  description:
    "Seeds tfjs (initialisers, shuffles, dropout: they draw from Math.random), Math.random and amalgam's\n" +
    'own generator, so seeded cells repeat exactly.',
  args: { positionals: [{ name: 'N', help: 'an integer seed' }] },
  examples: ['%seed 42'],
  run: ({ positionals: [raw] }) => {
    const n = Number(raw);
    if (!Number.isInteger(n)) throw new UsageError('seed', `expects an integer, got ${raw}`);
    seed(n);
    console.log(`Seeded tfjs, Math.random and amalgam with ${n}.`);
  },
});

async function statusTable() {
  await selectBackend().catch(() => undefined);
  const rows = await backendStatus();
  return displays(
    tableBundle({
      columns: ['backend', 'status', 'threads', 'why'],
      rows: rows.map((r) => [
        r.name,
        r.active ? 'active' : r.available ? 'available' : 'unavailable',
        r.threads === undefined ? '' : r.threads,
        r.reason,
      ]),
      maxTextWidth: 120,
    }),
  );
}

defineMagic({
  name: 'backend',
  kind: 'line',
  description:
    `Without NAME: each tfjs backend (${BACKENDS.map((b) => b.name).join(', ')}) as active, available or\n` +
    'unavailable, with the reason. With NAME: switches to it, or fails naming why it is unavailable.',
  args: {
    positionals: [{ name: 'NAME', optional: true, help: `one of ${BACKENDS.map((b) => b.name).join(', ')}` }],
  },
  examples: ['%backend', '%backend cpu'],
  run: async ({ positionals: [name] }) => {
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

defineMagic({
  name: 'memory',
  kind: 'line',
  description: "tfjs tensors and their bytes on the active backend, and the kernel process's memory (RSS, heap).",
  run: () => {
    const m = tf.memory();
    const p = process.memoryUsage();
    return displays(
      tableBundle({
        columns: ['', 'value'],
        index: true,
        rows: [
          ['tfjs backend', activeBackend() ?? tf.getBackend()],
          ['tensors', m.numTensors],
          ['tensor bytes', mib(m.numBytes)],
          ['data buffers', m.numDataBuffers],
          ['process RSS', mib(p.rss)],
          ['JS heap used', mib(p.heapUsed)],
          ['external (wasm, buffers)', mib(p.external + p.arrayBuffers)],
        ],
        maxTextWidth: 40,
      }),
    );
  },
});
