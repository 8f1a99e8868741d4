// The versions of one registry model that a server holds. The default version follows a tag (or
// stays pinned to a version id); a tag move loads the new version beside the old one, switches new
// requests to it, and disposes the old one's tensors once its in-flight requests have drained.
// Versions asked for by id or label load on demand and are dropped when idle.
import * as tf from '@tensorflow/tfjs';
import type { Amalgamation } from '../model/amalgamation';
import type { RegistryStore, VersionManifest } from '../registry/store';
import { load } from '../registry/versioning';
import { notFound } from './errors';

export interface LoadedVersion {
  name: string;
  id: string;
  model: Amalgamation;
  manifest: VersionManifest;
  /** Requests using it right now. */
  inflight: number;
  lastUsed: number;
  /** Which roles keep it loaded: 'default', 'canary', 'pinned'. */
  roles: Set<string>;
  disposed: boolean;
}

export interface Lease {
  version: LoadedVersion;
  /** How the request chose it: 'default', 'canary', 'version' or 'label'. */
  via: string;
  release(): void;
}

export interface Canary {
  tag: string;
  /** Share of unpinned requests sent to the canary, 0..1. */
  share: number;
}

export interface HolderOptions {
  canary?: Canary;
  /** Versions asked for by id or label are dropped after this long unused (ms). */
  idleMs?: number;
  /** Called after each load and disposal (metrics, logs). */
  onChange?: (event: {
    kind: 'load' | 'dispose' | 'switch' | 'error';
    id?: string;
    version?: LoadedVersion;
    message?: string;
  }) => void;
  /** Run one example through every output after a load (default true; off when a worker computes). */
  warmUp?: boolean;
  random?: () => number;
}

const short = (id: string) => id.slice(0, 12);

export class ModelHolder {
  private loaded = new Map<string, LoadedVersion>();
  private defaultId!: string;
  private canaryId?: string;
  /** The tag the default version follows (undefined when pinned to an id). */
  readonly follows?: string;
  lastError?: string;

  constructor(
    readonly store: RegistryStore,
    readonly name: string,
    /** What NAME[@REF] asked for: a tag, a version id prefix, or undefined for 'latest'. */
    readonly ref: string | undefined,
    private options: HolderOptions = {},
  ) {
    const what = ref ?? 'latest';
    this.follows = what in store.tags(name) ? what : undefined;
    const manifest = store.resolve(`${name}@${what}`);
    this.defaultId = this.ensure(manifest.id, 'default').id;
    if (options.canary) {
      const id = this.tagged(options.canary.tag);
      if (!id) {
        this.dispose();
        throw notFound(`--canary ${options.canary.tag}: ${name} has no tag "${options.canary.tag}"`);
      }
      this.canaryId = this.ensure(id, 'canary').id;
    }
  }

  get defaultVersion(): LoadedVersion {
    return this.loaded.get(this.defaultId)!;
  }
  get canaryVersion(): LoadedVersion | undefined {
    return this.canaryId ? this.loaded.get(this.canaryId) : undefined;
  }
  get canary(): Canary | undefined {
    return this.options.canary;
  }
  /** Every version held now (default, canary, pinned ones, and retired ones still draining). */
  get versions(): LoadedVersion[] {
    return [...this.loaded.values()];
  }

  private tagged(tag: string): string | undefined {
    return this.store.tags(this.name)[tag];
  }

  /** The loaded version `id`, loading it (and warming it up) if needed, with `role` added. */
  private ensure(id: string, role: string): LoadedVersion {
    let v = this.loaded.get(id);
    if (!v) {
      const model = load<Amalgamation>(`${this.name}@${id}`, { registry: this.store.dir });
      // One example through every output: the first request does not pay for building kernels.
      if (this.options.warmUp ?? true)
        tf.tidy(() => {
          const out = model.predict(tf.zeros([1, ...model.config.input]), { outputs: model.outputNames });
          for (const t of Object.values(out)) t.dataSync();
        });
      const manifest = this.store.verifyVersion(this.store.resolve(`${this.name}@${id}`));
      v = {
        name: this.name,
        id,
        model,
        manifest,
        inflight: 0,
        lastUsed: Date.now(),
        roles: new Set(),
        disposed: false,
      };
      this.loaded.set(id, v);
      this.options.onChange?.({ kind: 'load', id, version: v });
    }
    v.roles.add(role);
    return v;
  }

  private drop(v: LoadedVersion, role: string): void {
    v.roles.delete(role);
    this.disposeIfDone(v);
  }

  private disposeIfDone(v: LoadedVersion): void {
    if (v.roles.size || v.inflight > 0 || v.disposed) return;
    v.disposed = true;
    this.loaded.delete(v.id);
    v.model.dispose();
    this.options.onChange?.({ kind: 'dispose', id: v.id, version: v });
  }

  /** The version for a request: by id prefix, by label (tag), or the default (or canary) one. */
  acquire(selector: { version?: string; label?: string } = {}): Lease {
    let v: LoadedVersion;
    let via: string;
    if (selector.version !== undefined) {
      v = this.ensure(this.versionId(selector.version), 'pinned');
      via = 'version';
    } else if (selector.label !== undefined) {
      const id = this.tagged(selector.label);
      if (!id)
        throw notFound(
          `model ${this.name} has no label "${selector.label}" (labels: ${Object.keys(this.store.tags(this.name)).join(', ') || 'none'})`,
        );
      v = this.ensure(id, 'pinned');
      via = 'label';
    } else if (this.canaryId && (this.options.random ?? Math.random)() < this.options.canary!.share) {
      v = this.canaryVersion!;
      via = 'canary';
    } else {
      v = this.defaultVersion;
      via = 'default';
    }
    v.inflight++;
    v.lastUsed = Date.now();
    let released = false;
    return {
      version: v,
      via,
      release: () => {
        if (released) return;
        released = true;
        v.inflight--;
        this.disposeIfDone(v);
      },
    };
  }

  /** Keeps a version that is in use from disposal until the returned function is called (work after a request). */
  hold(v: LoadedVersion): () => void {
    v.inflight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      v.inflight--;
      this.disposeIfDone(v);
    };
  }

  /** A full version id from an id prefix (4+ hex digits), or 404 naming the versions there are. */
  versionId(prefix: string): string {
    const ids = this.store.versions(this.name).map((m) => m.id);
    const matches = /^[0-9a-f]{4,64}$/.test(prefix) ? ids.filter((id) => id.startsWith(prefix)) : [];
    if (matches.length === 1) return matches[0];
    throw notFound(
      matches.length > 1
        ? `version ${prefix} of ${this.name} is ambiguous (${matches.length} versions start with it)`
        : `model ${this.name} has no version "${prefix}" (versions: ${ids.map(short).join(', ')})`,
    );
  }

  /**
   * Follows tag moves: loads a moved tag's version, then switches to it; the old version is disposed
   * when its last request ends. Drops pinned versions idle for longer than idleMs. Never throws: a
   * version that fails to load leaves the current one serving, and the error is kept in lastError.
   */
  refresh(): void {
    try {
      const tags = this.store.tags(this.name);
      if (this.follows && tags[this.follows] && tags[this.follows] !== this.defaultId) {
        const old = this.defaultVersion;
        this.defaultId = this.ensure(tags[this.follows], 'default').id;
        this.options.onChange?.({
          kind: 'switch',
          id: this.defaultId,
          message: `${this.follows} → ${short(this.defaultId)}`,
        });
        this.drop(old, 'default');
      }
      const canaryTag = this.options.canary?.tag;
      if (canaryTag && tags[canaryTag] && tags[canaryTag] !== this.canaryId) {
        const old = this.canaryVersion;
        this.canaryId = this.ensure(tags[canaryTag], 'canary').id;
        if (old) this.drop(old, 'canary');
      }
      this.lastError = undefined;
    } catch (e) {
      this.lastError = (e as Error).message;
      this.options.onChange?.({ kind: 'error', message: this.lastError });
    }
    const idle = this.options.idleMs ?? 60_000;
    for (const v of this.versions)
      if (v.roles.has('pinned') && v.inflight === 0 && Date.now() - v.lastUsed > idle) this.drop(v, 'pinned');
  }

  /** Disposes every version (after their requests: call when the server has stopped accepting). */
  dispose(): void {
    for (const v of this.versions) {
      v.roles.clear();
      if (v.inflight === 0) this.disposeIfDone(v);
    }
  }
}
