import * as tf from '@tensorflow/tfjs';
import { initWasm, setWasmThreads, wantedThreads, wasmThreads } from './threads';
import { registerWasmKernels } from './wasm/index';

export { setWasmThreads, wasmThreads };

/** Backends in order of preference. `tfName` is the name tfjs registers the backend under. */
export const BACKENDS = [
  { name: 'tensorflow-gpu', tfName: 'tensorflow', pkg: '@tensorflow/tfjs-node-gpu' },
  { name: 'tensorflow', tfName: 'tensorflow', pkg: '@tensorflow/tfjs-node' },
  { name: 'wasm', tfName: 'wasm', pkg: '@tensorflow/tfjs-backend-wasm' },
  { name: 'cpu', tfName: 'cpu', pkg: '@tensorflow/tfjs-backend-cpu' },
] as const;

export type BackendName = (typeof BACKENDS)[number]['name'];

export interface BackendStatus {
  name: BackendName;
  available: boolean;
  active: boolean;
  /** Why it is unavailable, or a note on how it runs. */
  reason: string;
  /** wasm: threads XNNPACK runs on (once started), else the count it will start with. */
  threads?: number;
}

interface Probe {
  available: boolean;
  reason: string;
}
const probes = new Map<BackendName, Probe>();
let active: BackendName | undefined;
let selecting: Promise<BackendName> | undefined;

/** Overridable for tests: how a package is required (the GPU cannot be present here). */
export const loader = { require: (id: string): any => require(id) };

/** What a user installs for each native package (tfjs-node-gpu 4.22 requires CUDA 11.2 and cuDNN 8.1). */
const INSTALL: Record<string, string> = {
  '@tensorflow/tfjs-node': 'npm install @tensorflow/tfjs-node@4.22.0; its install script downloads libtensorflow (CPU)',
  '@tensorflow/tfjs-node-gpu':
    'npm install @tensorflow/tfjs-node-gpu@4.22.0 on Linux x86-64 with an NVIDIA driver >= 450, CUDA 11.2 and cuDNN 8.1',
};

/**
 * Loads a native tfjs-node package. An npm alias (danfojs-node's override maps tfjs-node to plain
 * tfjs) is not the real thing, and without libtensorflow the binding fails to load: both say why.
 */
function probeNative(pkg: string): Probe {
  let manifest: any;
  try {
    manifest = loader.require(`${pkg}/package.json`);
  } catch {
    return {
      available: false,
      reason: `${pkg} is not installed (${INSTALL[pkg] ?? `npm install ${pkg}`}; see README "Backends and training speed")`,
    };
  }
  if (manifest.name !== pkg)
    return { available: false, reason: `${pkg} resolves to ${manifest.name} (an npm alias), not the native package` };
  try {
    loader.require(pkg);
    return { available: true, reason: `native libtensorflow via ${pkg}@${manifest.version}` };
  } catch (e) {
    const first = String((e as Error).message).split('\n')[0];
    return { available: false, reason: `${pkg} is installed but its libtensorflow binding did not load (${first})` };
  }
}

/**
 * Loads tfjs's wasm package (its JavaScript: the .wasm binary starts with the backend) and registers
 * our kernels for it: conv / depthwise gradients, fused Adam, C pooling gradient, ... so tf.layers
 * models train on it. Under Node the package's emscripten loader reads its .wasm files from its own
 * dist/ folder with fs: offline by construction (setWasmPaths would route through fetch()).
 */
function loadWasm(): void {
  loader.require('@tensorflow/tfjs-backend-wasm');
  keepOutOfAutoSelection('wasm');
  registerWasmKernels();
}

/**
 * tfjs's wasm package registers itself above cpu, so a script's tfjs would pick wasm by itself on its
 * first op, before wasm has started ("backend 'wasm' has not yet been initialized"). Loading it is
 * ours, not the user's choice: re-registered at priority 0 it is used when asked for (setBackend,
 * useBackend, selectBackend) and never picked by tfjs on its own. Once started it is left alone.
 */
let demoted = false;
function keepOutOfAutoSelection(name: string): void {
  const engine = tf.engine() as unknown as { registry: Record<string, unknown> };
  const factory = tf.findBackendFactory(name);
  if (demoted || !factory || name in engine.registry) return;
  tf.removeBackend(name);
  tf.registerBackend(name, factory, 0);
  demoted = true;
}

// On import of amalgam, so a plain `tf.setBackend('wasm')` (not only useBackend) trains with them.
try {
  loadWasm();
} catch {
  /* not installed or not loadable: probeWasm reports why when wasm is asked for */
}

async function probeWasm(): Promise<Probe> {
  try {
    loadWasm();
    // Named by package and version, not by folder: the same install reads the same wherever it lives
    // (the tutorials' committed outputs include this line).
    const { version } = loader.require('@tensorflow/tfjs-backend-wasm/package.json') as { version: string };
    return {
      available: true,
      reason: `WebAssembly SIMD, @tensorflow/tfjs-backend-wasm@${version} (binaries from node_modules)`,
    };
  } catch (e) {
    return { available: false, reason: `@tensorflow/tfjs-backend-wasm did not load (${(e as Error).message})` };
  }
}

async function probe(name: BackendName): Promise<Probe> {
  const known = probes.get(name);
  if (known) return known;
  let p: Probe;
  if (name === 'tensorflow-gpu') p = probeNative('@tensorflow/tfjs-node-gpu');
  else if (name === 'tensorflow') p = probeNative('@tensorflow/tfjs-node');
  else if (name === 'wasm') p = await probeWasm();
  else p = { available: true, reason: 'pure JavaScript, always available (slowest)' };
  probes.set(name, p);
  return p;
}

function spec(name: string) {
  const b = BACKENDS.find((x) => x.name === name);
  if (!b) throw new Error(`unknown backend "${name}": choose one of ${BACKENDS.map((x) => x.name).join(', ')}`);
  return b;
}

/** Activates `name`, failing with the reason it is unavailable. */
export async function useBackend(name: BackendName): Promise<BackendName> {
  const b = spec(name);
  const p = await probe(b.name);
  if (!p.available) throw new Error(`backend ${name} is unavailable: ${p.reason}`);
  const ok = b.name === 'wasm' ? await initWasm(() => tf.setBackend(b.tfName)) : await tf.setBackend(b.tfName);
  if (!ok) {
    probes.set(b.name, { available: false, reason: `tfjs failed to initialise ${b.tfName}` });
    throw new Error(`backend ${name} failed to initialise`);
  }
  await tf.ready();
  active = b.name;
  return active;
}

/** Picks the best available backend once (tensorflow-gpu > tensorflow > wasm > cpu). */
export function selectBackend(
  preferred = process.env.AMALGAM_BACKEND as BackendName | undefined,
): Promise<BackendName> {
  return (selecting ??= (async () => {
    const order = preferred
      ? [spec(preferred).name, ...BACKENDS.map((b) => b.name).filter((n) => n !== preferred)]
      : BACKENDS.map((b) => b.name);
    for (const name of order) {
      if (!(await probe(name)).available) continue;
      try {
        return await useBackend(name);
      } catch {
        /* reason recorded; try the next */
      }
    }
    throw new Error('no tfjs backend could be initialised');
  })());
}

/** Every backend with available / active / why not. */
export async function backendStatus(): Promise<BackendStatus[]> {
  const out: BackendStatus[] = [];
  for (const b of BACKENDS) {
    const p = await probe(b.name);
    const row: BackendStatus = {
      name: b.name,
      available: p.available,
      active: active === b.name && tf.getBackend() === b.tfName,
      reason: p.reason,
    };
    if (b.name === 'wasm' && p.available) {
      const started = wasmThreads();
      row.threads = started ?? wantedThreads();
      row.reason +=
        started === undefined
          ? `; will start ${row.threads} thread(s) (AMALGAM_THREADS or setWasmThreads to change)`
          : `; ${started} thread(s)${started > 1 ? ' (threaded SIMD build)' : ''}, set by AMALGAM_THREADS or setWasmThreads before it starts`;
    }
    out.push(row);
  }
  return out;
}

/**
 * One line for the user after selection: the backend in use (with its threads) and, when a faster one
 * was passed over, why and what to install. Empty before a backend is selected.
 */
export function selectionMessage(): string {
  if (!active) return '';
  const threads = active === 'wasm' ? ` (${wasmThreads() ?? wantedThreads()} thread(s))` : '';
  const better = BACKENDS.slice(
    0,
    BACKENDS.findIndex((b) => b.name === active),
  )
    .map((b) => ({ name: b.name, p: probes.get(b.name) }))
    .filter((x) => x.p && !x.p.available);
  return (
    `using ${active}${threads}` +
    (better.length ? `; faster when present: ${better.map((x) => `${x.name}: ${x.p!.reason}`).join('; ')}` : '')
  );
}

export function activeBackend(): BackendName | undefined {
  return active;
}

/** Forgets probes and the selection (tests swap `loader.require`). */
export function resetBackendProbes(): void {
  probes.clear();
  selecting = undefined;
}
