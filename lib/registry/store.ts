// The on-disk registry: content-addressed component objects, immutable version manifests, movable
// tags. Layout under the registry folder:
//   objects/<sha256>/{component.json, weights.bin}   one per distinct component (shared by versions)
//   versions/<name>/<id>.json                        immutable manifests
//   tags/<name>.json                                 {tag: id}, freely moved
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import type { ComponentSnapshot, DataSource, NamedWeight } from './types';
import { closest } from '../util/text';
import { RegistryError } from './errors';
import { canonicalJson, sha256 } from './hash';

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  bytes: number;
}
export interface ComponentRecord {
  kind: ComponentSnapshot['kind'];
  architecture: unknown;
  weights: WeightSpec[];
  weightsSha256: string;
}

export interface VersionManifest {
  format: 'amalgam.version';
  name: string;
  /** sha256 of the manifest's content (everything but `id`). */
  id: string;
  components: Record<string, { kind: ComponentSnapshot['kind']; hash: string }>;
  config: unknown;
  metadata: {
    params: number;
    metrics?: Record<string, Record<string, number>>;
    dataHash?: string;
    /** Where the training data came from (dataset name and options, or files), for retraining. */
    data?: DataSource;
    parent?: string;
    package: string;
    code?: string;
    time: string;
    [key: string]: unknown;
  };
}

/** Writes a file atomically: a crash leaves the old file or the new one, never half of one. */
function writeAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `f` holding the lock of `file` across processes (proper-lockfile: an atomic mkdir of
 * FILE.lock; a lock left by a dead process goes stale after 10 s). Synchronous like the registry
 * itself: proper-lockfile's sync API does not retry, so this waits and retries for up to `timeoutMs`.
 */
function withLock<T>(file: string, f: () => T, timeoutMs = 15_000): T {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (let wait = 1; ; wait = Math.min(wait * 2, 25)) {
    let release: () => void;
    try {
      // The lock is held for a read-modify-rename (milliseconds); its mtime refresh never matters, and
      // a compromised lock must not throw from a timer.
      release = lockfile.lockSync(file, { realpath: false, stale: 10_000, onCompromised: () => {} });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
      if (Date.now() > deadline)
        throw new RegistryError(`${file} stayed locked for ${timeoutMs / 1000} s (another process moving tags?)`);
      Atomics.wait(sleepCell, 0, 0, wait);
      continue;
    }
    try {
      return f();
    } finally {
      release();
    }
  }
}

function weightBytes(weights: NamedWeight[]): { bytes: Buffer; specs: WeightSpec[] } {
  let offset = 0;
  const specs = weights.map((w) => {
    const spec = { name: w.name, shape: w.shape, dtype: w.dtype, offset, bytes: w.data.byteLength };
    offset += w.data.byteLength;
    return spec;
  });
  return {
    bytes: Buffer.concat(weights.map((w) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength))),
    specs,
  };
}

/** The address of a component: its kind, architecture, weight layout and weight bytes. */
function componentHash(record: Omit<ComponentRecord, 'weightsSha256'>, bytes: Uint8Array): string {
  return sha256(
    canonicalJson({ kind: record.kind, architecture: record.architecture, weights: record.weights }),
    bytes,
  );
}

/** The id of a version: sha256 of its content without `id` and save time (what it *is*, not when). */
function manifestId(manifest: Omit<VersionManifest, 'id'> & { id?: string }): string {
  const { id: _id, ...rest } = manifest;
  const { time: _time, ...stable } = manifest.metadata;
  return sha256(canonicalJson({ ...rest, metadata: stable }));
}

/** Model names become folder and file names: letters, digits, _ . -, starting with a letter or _. */
export function checkName(name: string): void {
  if (typeof name !== 'string' || !/^[A-Za-z_][\w.-]*$/.test(name)) {
    throw new RegistryError(
      `model name ${JSON.stringify(name)}: letters, digits, _ . and -, starting with a letter or _`,
    );
  }
}

export class RegistryStore {
  constructor(readonly dir: string) {}

  private objectDir(hash: string) {
    return path.join(this.dir, 'objects', hash);
  }

  /** Stores a component unless an identical one is there; returns its hash and whether it was reused. */
  putComponent(snapshot: ComponentSnapshot): { hash: string; reused: boolean; bytes: number } {
    const { bytes, specs } = weightBytes(snapshot.weights);
    const record = { kind: snapshot.kind, architecture: snapshot.architecture, weights: specs };
    const hash = componentHash(record, bytes);
    const dir = this.objectDir(hash);
    // Reuse only an intact copy: an object whose files were changed or lost is written again from
    // these (correct) bytes, so a damaged store heals on the next save instead of staying broken.
    if (this.intact(dir, hash, bytes)) return { hash, reused: true, bytes: bytes.length };
    writeAtomic(path.join(dir, 'weights.bin'), bytes);
    writeAtomic(path.join(dir, 'component.json'), JSON.stringify({ ...record, weightsSha256: sha256(bytes) }, null, 1));
    return { hash, reused: false, bytes: bytes.length };
  }

  private intact(dir: string, hash: string, bytes: Uint8Array): boolean {
    try {
      const record: ComponentRecord = JSON.parse(fs.readFileSync(path.join(dir, 'component.json'), 'utf8'));
      const stored = fs.readFileSync(path.join(dir, 'weights.bin'));
      return (
        Buffer.compare(stored, bytes) === 0 &&
        record.weightsSha256 === sha256(bytes) &&
        componentHash({ kind: record.kind, architecture: record.architecture, weights: record.weights }, bytes) === hash
      );
    } catch {
      return false;
    }
  }

  /** Reads a component and verifies it against its hash; a changed file is refused, by name. */
  readComponent(hash: string, name: string): ComponentSnapshot {
    const dir = this.objectDir(hash);
    const recordFile = path.join(dir, 'component.json'),
      weightsFile = path.join(dir, 'weights.bin');
    for (const f of [recordFile, weightsFile])
      if (!fs.existsSync(f)) throw new RegistryError(`component "${name}" (${hash.slice(0, 12)}): ${f} is missing`);
    let record: ComponentRecord;
    try {
      record = JSON.parse(fs.readFileSync(recordFile, 'utf8'));
    } catch (e) {
      throw new RegistryError(`component "${name}": ${recordFile} is not valid JSON (${(e as Error).message})`);
    }
    const bytes = fs.readFileSync(weightsFile);
    if (sha256(bytes) !== record.weightsSha256)
      throw new RegistryError(
        `component "${name}": ${weightsFile} does not match its recorded sha256 (changed on disk?): refused`,
      );
    if (
      componentHash({ kind: record.kind, architecture: record.architecture, weights: record.weights }, bytes) !== hash
    ) {
      throw new RegistryError(
        `component "${name}": ${recordFile} does not match the content address ${hash.slice(0, 12)} (changed on disk?): refused`,
      );
    }
    const weights: NamedWeight[] = record.weights.map((s) => {
      const slice = bytes.buffer.slice(bytes.byteOffset + s.offset, bytes.byteOffset + s.offset + s.bytes);
      return {
        name: s.name,
        shape: s.shape,
        dtype: s.dtype,
        data: s.dtype === 'int32' ? new Int32Array(slice) : new Float32Array(slice),
      };
    });
    return { kind: record.kind, name, architecture: record.architecture, weights };
  }

  /** Stores a manifest under its content id; an identical version is the same file. */
  putVersion(manifest: Omit<VersionManifest, 'id'>): VersionManifest {
    checkName(manifest.name);
    const id = manifestId(manifest);
    const file = this.versionFile(manifest.name, id);
    const full = { ...manifest, id };
    if (!fs.existsSync(file) || !this.manifestIntact(file, id)) writeAtomic(file, JSON.stringify(full, null, 1));
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  }

  private versionFile(name: string, id: string) {
    return path.join(this.dir, 'versions', name, `${id}.json`);
  }

  private manifestIntact(file: string, id: string): boolean {
    try {
      return manifestId(JSON.parse(fs.readFileSync(file, 'utf8'))) === id;
    } catch {
      return false;
    }
  }

  /** Refuses a manifest whose content no longer hashes to its id (edited on disk), naming the file. */
  verifyVersion(manifest: VersionManifest): VersionManifest {
    const file = this.versionFile(manifest.name, manifest.id);
    if (manifestId(manifest) !== manifest.id)
      throw new RegistryError(
        `version ${manifest.name}@${manifest.id.slice(0, 12)}: ${file} does not match its id (changed on disk?): refused`,
      );
    return manifest;
  }

  names(): string[] {
    const dir = path.join(this.dir, 'versions');
    return fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((n) => fs.statSync(path.join(dir, n)).isDirectory())
          .sort()
      : [];
  }

  /** Every version of a model, newest first. */
  versions(name: string): VersionManifest[] {
    checkName(name);
    const dir = path.join(this.dir, 'versions', name);
    if (!fs.existsSync(dir)) {
      const known = this.names();
      const near = closest(name, known);
      throw new RegistryError(
        `no model "${name}" in the registry ${this.dir}${near ? ` (did you mean "${near}"?)` : ''}${known.length ? `; models: ${known.join(', ')}` : '; it is empty: %save NAME first'}`,
      );
    }
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => {
        try {
          return JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as VersionManifest;
        } catch (e) {
          throw new RegistryError(`${path.join(dir, f)} is not a valid version manifest (${(e as Error).message})`);
        }
      })
      .sort((a, b) => b.metadata.time.localeCompare(a.metadata.time));
  }

  tags(name: string): Record<string, string> {
    checkName(name);
    const file = path.join(this.dir, 'tags', `${name}.json`);
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  }

  /** Points `tag` at version `id`. Atomic and locked across processes: concurrent moves of other tags are kept. */
  setTag(name: string, tag: string, id: string): void {
    this.moveTag(name, tag, id);
  }

  /**
   * Moves `tag` to `id` under the model's tag lock. With `expect`, only if the tag still points
   * there (compare-and-set; `null` expects no such tag yet); returns whether it moved and where the
   * tag pointed before.
   */
  moveTag(
    name: string,
    tag: string,
    id: string,
    options: { expect?: string | null } = {},
  ): { moved: boolean; was?: string } {
    checkName(name);
    if (!/^[\w.-]+$/.test(tag)) throw new RegistryError(`tag "${tag}": letters, digits, _ . and - only`);
    const file = path.join(this.dir, 'tags', `${name}.json`);
    return withLock(file, () => {
      const tags = this.tags(name);
      const was = tags[tag];
      if (options.expect !== undefined && (was ?? null) !== options.expect) return { moved: false, was };
      writeAtomic(file, JSON.stringify({ ...tags, [tag]: id }, null, 1));
      return { moved: true, was };
    });
  }

  /** name, name@tag, name@id-prefix (at least 4 hex digits) → the manifest. Plain name: the 'latest' tag. */
  resolve(ref: string): VersionManifest {
    const at = ref.indexOf('@');
    const name = at < 0 ? ref : ref.slice(0, at);
    const what = at < 0 ? 'latest' : ref.slice(at + 1);
    const versions = this.versions(name);
    const tags = this.tags(name);
    const id = tags[what] ?? what;
    const matches = /^[0-9a-f]{4,64}$/.test(id) ? versions.filter((v) => v.id.startsWith(id)) : [];
    if (matches.length === 1) return matches[0];
    if (matches.length > 1)
      throw new RegistryError(`${ref}: the prefix ${id} names ${matches.length} versions; give more digits`);
    throw new RegistryError(
      `${ref}: no version or tag "${what}" of ${name} (tags: ${Object.keys(tags).join(', ') || 'none'}; versions: ${versions.map((v) => v.id.slice(0, 12)).join(', ')})`,
    );
  }
}
