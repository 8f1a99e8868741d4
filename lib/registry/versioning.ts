// save / load / versions / diff: what cells and the %save, %checkout, %versions, %diff magics call.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT, PACKAGE_VERSION } from '../util/package';
import { Pipeline } from '../data/transforms/pipeline';
import { type Amalgamation, amalgamate } from '../model/index';
import { canonicalJson } from './hash';
import { diffView, saveView, versionsView } from './render';
import { checkName, RegistryStore, type VersionManifest } from './store';
import type { DataSource, Diff, FromConfig, SaveResult, Versionable, VersionRow } from './types';

export interface RegistryOptions {
  /** The registry folder: $AMALGAM_REGISTRY, else `.amalgam/registry` under the working directory. */
  registry?: string;
}

export function openRegistry(dir?: string): RegistryStore {
  return new RegistryStore(
    path.resolve(dir ?? process.env.AMALGAM_REGISTRY ?? path.join(process.cwd(), '.amalgam', 'registry')),
  );
}

let codeVersion: string | undefined | null = null;
function code(): string | undefined {
  if (codeVersion !== null) return codeVersion;
  try {
    // Only the package's own checkout: an installed copy inside someone's project must not report
    // that project's commit as the code version.
    if (!fs.existsSync(path.join(PACKAGE_ROOT, '.git'))) throw new Error('not a git checkout');
    codeVersion = execFileSync('git', ['describe', '--always', '--dirty'], {
      cwd: PACKAGE_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    codeVersion = undefined;
  }
  return codeVersion;
}

export interface SaveOptions extends RegistryOptions {
  tag?: string;
  /** Where the training data came from (metadata.data); default: what fit recorded (model.dataSource). */
  data?: DataSource;
  /** More lineage for metadata (a retrain's feedback and evaluation). */
  metadata?: Record<string, unknown>;
  /** Move the 'latest' tag too (default true; a retrain's challenger does not). */
  latest?: boolean;
}

/** Saves a model as a new immutable version of `name` (components stored once), tagged 'latest' (and `tag`). */
export function save(model: Versionable, name: string, options: SaveOptions = {}): SaveResult {
  checkName(name);
  const store = openRegistry(options.registry);
  const snapshots = model.snapshot();
  const components = snapshots.map((s) => ({ name: s.name, kind: s.kind, ...store.putComponent(s) }));
  const params = snapshots.reduce((n, s) => n + s.weights.reduce((m, w) => m + w.data.length, 0), 0);
  const content = {
    components: Object.fromEntries(components.map((c) => [c.name, { kind: c.kind, hash: c.hash }])),
    config: JSON.parse(JSON.stringify(model.config ?? null)),
  };
  // Saving a model unchanged since the version it came from (same components, config, metrics and
  // data) is that version again, not a new child of it: only the tags move.
  const parent = model.version ? parentOf(store, name, model.version) : undefined;
  const unchanged =
    parent &&
    !options.metadata &&
    (options.data === undefined || canonicalJson(options.data) === canonicalJson(parent.metadata.data)) &&
    canonicalJson([parent.components, parent.config, parent.metadata.metrics, parent.metadata.dataHash]) ===
      canonicalJson([content.components, content.config, model.metrics, model.dataHash]);
  const manifest = unchanged
    ? parent
    : store.putVersion({
        format: 'amalgam.version',
        name,
        ...content,
        metadata: {
          ...options.metadata,
          params,
          data: options.data ?? model.dataSource,
          metrics: model.metrics,
          dataHash: model.dataHash,
          parent: model.version,
          package: PACKAGE_VERSION,
          code: code(),
          time: new Date().toISOString(),
        },
      });
  const tags = [...(options.latest === false ? [] : ['latest']), ...(options.tag ? [options.tag] : [])];
  for (const t of tags) store.setTag(name, t, manifest.id);
  model.version = manifest.id;
  return withDisplay({ name, version: manifest.id, tag: options.tag, tags, components, registry: store.dir }, saveView);
}

/** The manifest `id` of model `name`, if that is where the model came from (else no parent check). */
function parentOf(store: RegistryStore, name: string, id: string): VersionManifest | undefined {
  try {
    return store.versions(name).find((v) => v.id === id);
  } catch {
    return undefined;
  }
}

/**
 * Loads `name` (its 'latest' tag), `name@tag` or `name@version-prefix`: verifies the manifest and
 * every component file against their hashes, then rebuilds with `fromConfig(config)` (default:
 * lib/model's amalgamate) and restores the weights. `load(ref, options)` also works.
 */
export function load<T extends Versionable = Amalgamation>(
  ref: string,
  fromConfig?: FromConfig | RegistryOptions,
  options: RegistryOptions = {},
): T {
  if (fromConfig && typeof fromConfig === 'object') {
    options = fromConfig;
    fromConfig = undefined;
  }
  const build: FromConfig = (fromConfig as FromConfig | undefined) ?? amalgamate;
  const store = openRegistry(options.registry);
  const manifest = store.verifyVersion(store.resolve(ref));
  // Read (and verify) every component before building anything: a refused file changes nothing.
  const snapshots = Object.entries(manifest.components).map(([name, c]) => store.readComponent(c.hash, name));
  const model = build(manifest.config);
  model.restore(snapshots);
  model.version = manifest.id;
  model.metrics = manifest.metadata.metrics;
  model.dataHash = manifest.metadata.dataHash;
  model.dataSource = manifest.metadata.data;
  const pipeline = snapshots.find((s) => s.kind === 'pipeline');
  // The fitted data pipeline has no weights: rebuilt from its JSON unless restore() already did.
  if (pipeline && (model as any).pipeline === undefined)
    (model as any).pipeline = Pipeline.fromJSON(pipeline.architecture as any);
  return model as T;
}

/** Versions of a model, newest first, with their tags. */
export function versions(name: string, options: RegistryOptions = {}): VersionRow[] & { name: string } {
  const store = openRegistry(options.registry);
  const tags = store.tags(name);
  const rows = store.versions(name).map((v) => ({
    id: v.id,
    tags: Object.keys(tags).filter((t) => tags[t] === v.id),
    time: v.metadata.time,
    parent: v.metadata.parent,
    params: v.metadata.params,
    metrics: v.metadata.metrics,
    components: Object.fromEntries(Object.entries(v.components).map(([n, c]) => [n, c.hash])),
  }));
  return withDisplay(Object.assign(rows, { name }), versionsView);
}

function configDiff(a: unknown, b: unknown, at = '', out: Diff['config'] = []): Diff['config'] {
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])])
      configDiff((a as any)[k], (b as any)[k], Array.isArray(a) ? `${at}[${k}]` : at ? `${at}.${k}` : k, out);
  } else if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path: at || '(root)', a, b });
  return out;
}

/** What differs between two versions (refs as for load): components, config paths, metrics. */
export function diff(refA: string, refB: string, options: RegistryOptions = {}): Diff {
  const store = openRegistry(options.registry);
  const a: VersionManifest = store.verifyVersion(store.resolve(refA)),
    b: VersionManifest = store.verifyVersion(store.resolve(refB));
  const names = [...new Set([...Object.keys(a.components), ...Object.keys(b.components)])];
  const components = names.map((n) => {
    const ha = a.components[n]?.hash,
      hb = b.components[n]?.hash;
    return {
      name: n,
      a: ha,
      b: hb,
      change: !ha
        ? ('added' as const)
        : !hb
          ? ('removed' as const)
          : ha === hb
            ? ('same' as const)
            : ('changed' as const),
    };
  });
  const metrics: Diff['metrics'] = [];
  const ma = a.metadata.metrics ?? {},
    mb = b.metadata.metrics ?? {};
  for (const head of [...new Set([...Object.keys(ma), ...Object.keys(mb)])]) {
    for (const metric of [...new Set([...Object.keys(ma[head] ?? {}), ...Object.keys(mb[head] ?? {})])]) {
      const va = ma[head]?.[metric],
        vb = mb[head]?.[metric];
      metrics.push({ head, metric, a: va, b: vb, delta: va !== undefined && vb !== undefined ? vb - va : undefined });
    }
  }
  return withDisplay(
    {
      a: `${a.name}@${a.id.slice(0, 12)}`,
      b: `${b.name}@${b.id.slice(0, 12)}`,
      components,
      config: configDiff(a.config, b.config),
      metrics,
    },
    diffView,
  );
}

function withDisplay<T extends object>(value: T, view: (v: T) => { html: string; text: string }): T {
  Object.defineProperty(value, Symbol.for('Jupyter.display'), {
    value: () => {
      const v = view(value);
      return { 'text/html': v.html, 'text/plain': v.text };
    },
    enumerable: false,
  });
  return value;
}
