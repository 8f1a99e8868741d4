// %save, %versions, %checkout, %diff, %export: thin parsers over lib/registry.
import { UsageError } from '../../lib/magics/args';
import { type MagicContext, registerMagic } from '../../lib/magics/registry';
import { modelVariable } from './model';
import type { Amalgamation } from '../../lib/model/amalgamation';
import { amalgamate } from '../../lib/model/index';
import { exportTfjs } from '../../lib/registry/export';
import { diff, load, save, versions } from '../../lib/registry/versioning';

const wrap = <T>(magic: string, f: () => T): T => {
  try {
    return f();
  } catch (e) {
    throw new UsageError(magic, (e as Error).message);
  }
};

const str = (ctx: MagicContext, flag: string) => {
  const v = ctx.args.flags[flag];
  if (v === true) throw new UsageError(ctx.name, `--${flag} expects a value`);
  return v;
};

registerMagic({
  name: 'save',
  kind: 'line',
  help: `%save NAME [--tag T] [--as REGISTRY_NAME] [--registry DIR]

Saves the amalgamation in session variable NAME as a new immutable version in the registry
(.amalgam/registry, or $AMALGAM_REGISTRY): each component (bottom, representations, each head, the
fitted data pipeline) stored once by the sha256 of its architecture and weights, so a bottom shared
by many models is never copied; the version's manifest records component hashes, config, metrics,
training-data hash, parent version, package and code version. Tags 'latest' (and T). Same as
registry.save(model, name, {tag}).

  %save fm --tag baseline`,
  run: (ctx) => {
    const name = ctx.args._[0];
    const model = modelVariable(ctx, name, '%save NAME [--tag T]');
    return wrap('save', () =>
      save(model, str(ctx, 'as') ?? name, { tag: str(ctx, 'tag'), registry: str(ctx, 'registry') }),
    );
  },
});

registerMagic({
  name: 'versions',
  kind: 'line',
  help: `%versions NAME [--registry DIR]

Every saved version of NAME, newest first: id, tags, time, parent, parameters, metrics per head.
Same as registry.versions(name).`,
  run: (ctx) => {
    if (!ctx.args._[0]) throw new UsageError('versions', 'expects a model name: %versions NAME');
    return wrap('versions', () => versions(ctx.args._[0], { registry: str(ctx, 'registry') }));
  },
});

registerMagic({
  name: 'checkout',
  kind: 'line',
  help: `%checkout NAME[@VERSION|@TAG] [--as VAR] [--registry DIR]

Loads a saved version (default: the 'latest' tag; a version is any unique prefix of its id),
verifying every component file against its hash (a changed file is refused, by name), and binds it
to VAR (default NAME) in the session. Same as registry.load('NAME@TAG').

  %checkout fm@baseline --as base`,
  run: (ctx) => {
    const ref = ctx.args._[0];
    if (!ref) throw new UsageError('checkout', 'expects NAME[@VERSION|@TAG]');
    const variable = str(ctx, 'as') ?? ref.split('@')[0];
    if (!/^[A-Za-z_$][\w$]*$/.test(variable))
      throw new UsageError('checkout', `${variable} is not a variable name (use --as VAR)`);
    const model = wrap('checkout', () => load<Amalgamation>(ref, amalgamate, { registry: str(ctx, 'registry') }));
    ctx.session.set(variable, model, "import('amalgam').model.Amalgamation");
    return model;
  },
});

registerMagic({
  name: 'diff',
  kind: 'line',
  help: `%diff A B [--registry DIR]

What differs between two saved versions (NAME, NAME@TAG or NAME@VERSION): components changed,
added or removed; config differences by path; metrics per head with deltas. Same as registry.diff(a, b).

  %diff fm@baseline fm@latest`,
  run: (ctx) => {
    const [a, b] = ctx.args._;
    if (!a || !b) throw new UsageError('diff', 'expects two versions: %diff A B');
    return wrap('diff', () => diff(a, b, { registry: str(ctx, 'registry') }));
  },
});

registerMagic({
  name: 'export',
  kind: 'line',
  help: `%export NAME DIR

Writes the amalgamation in standard TensorFlow.js format (model.json + weights.bin) that
tf.loadLayersModel reads, with representation and output names in its metadata. Same as
registry.exportTfjs(model, dir).`,
  run: async (ctx) => {
    const [name, dir] = ctx.args._;
    const model = modelVariable(ctx, name, '%export NAME DIR');
    if (!dir) throw new UsageError('export', 'expects a folder: %export NAME DIR');
    const r = await exportTfjs(model, dir);
    console.log(
      `Wrote ${r.files.map((f) => `${dir}/${f}`).join(' and ')} (${(r.bytes / 1024).toFixed(1)} KiB of weights).`,
    );
  },
});
