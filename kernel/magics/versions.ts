// %save, %versions, %checkout, %diff, %export: thin parsers over lib/registry.
import { defineMagic } from '../../lib/magics/magic';
import type { Amalgamation } from '../../lib/model/amalgamation';
import { exportTfjs } from '../../lib/registry/export';
import { diff, load, save, versions } from '../../lib/registry/versioning';
import { UsageError } from '../../lib/magics/args';
import { isVariableName, modelVariable, TYPES } from './session';

const registry = {
  registry: { metavar: 'DIR', help: 'the registry folder (default $AMALGAM_REGISTRY or .amalgam/registry)' },
} as const;

defineMagic({
  name: 'save',
  kind: 'line',
  description:
    'Saves the amalgamation in session variable NAME as a new immutable version in the registry: each\n' +
    'component (bottom, each representation, each head, the fitted data pipeline) stored once by the\n' +
    'sha256 of its architecture and weights, so a component shared by many models is never copied; the\n' +
    'manifest records component hashes, config, metrics, training data (hash and source), parent version,\n' +
    "package and code version. Tags it 'latest' (and T). Same as registry.save(model, name, {tag}).",
  args: {
    positionals: [{ name: 'NAME', help: 'the amalgamation variable' }],
    flags: {
      tag: { metavar: 'T', help: "a tag besides 'latest' (moved if it exists)" },
      as: { metavar: 'REGISTRY_NAME', help: 'the name in the registry (default NAME)' },
      ...registry,
    },
  },
  examples: ['%save fm --tag baseline'],
  run: (ctx) => {
    const name = ctx.positionals[0];
    const model = modelVariable(ctx, name);
    return save(model, ctx.options.as ?? name, { tag: ctx.options.tag, registry: ctx.options.registry });
  },
});

defineMagic({
  name: 'versions',
  kind: 'line',
  description:
    'Every saved version of NAME, newest first: id, tags, time, parent, parameters, metrics per head.\n' +
    'Same as registry.versions(name).',
  args: { positionals: [{ name: 'NAME', help: 'a model in the registry' }], flags: registry },
  run: (ctx) => versions(ctx.positionals[0], { registry: ctx.options.registry }),
});

defineMagic({
  name: 'checkout',
  kind: 'line',
  description:
    "Loads a saved version (default: the 'latest' tag; a version is any unique prefix of its id),\n" +
    'verifying every component file against its hash (a changed file is refused, by name), and binds it\n' +
    "to VAR (default NAME) in the session. Same as registry.load('NAME@TAG').",
  args: {
    positionals: [{ name: 'NAME[@VERSION|@TAG]', help: 'what to load' }],
    flags: { as: { metavar: 'VAR', help: 'the variable to bind (default NAME)' }, ...registry },
  },
  examples: ['%checkout fm@baseline --as base'],
  run: (ctx) => {
    const ref = ctx.positionals[0];
    const variable = ctx.options.as ?? ref.split('@')[0];
    if (!isVariableName(variable))
      throw new UsageError('checkout', `${variable} is not a variable name (use --as VAR)`);
    const model = load<Amalgamation>(ref, { registry: ctx.options.registry });
    ctx.session.set(variable, model, TYPES.model);
    return model;
  },
});

defineMagic({
  name: 'diff',
  kind: 'line',
  description:
    'What differs between two saved versions (NAME, NAME@TAG or NAME@VERSION): components changed, added\n' +
    'or removed; config differences by path; metrics per head with deltas. Same as registry.diff(a, b).',
  args: {
    positionals: [
      { name: 'A', help: 'a version' },
      { name: 'B', help: 'another version' },
    ],
    flags: registry,
  },
  examples: ['%diff fm@baseline fm@latest'],
  run: (ctx) => diff(ctx.positionals[0], ctx.positionals[1], { registry: ctx.options.registry }),
});

defineMagic({
  name: 'export',
  kind: 'line',
  description:
    'Writes the amalgamation in standard TensorFlow.js format (model.json + weights.bin) that\n' +
    'tf.loadLayersModel reads, with representation and output names in its metadata. Same as\n' +
    'registry.exportTfjs(model, dir).',
  args: {
    positionals: [
      { name: 'NAME', help: 'the amalgamation variable' },
      { name: 'DIR', help: 'the folder to write' },
    ],
  },
  run: async (ctx) => {
    const [name, dir] = ctx.positionals;
    const model = modelVariable(ctx, name);
    const r = await exportTfjs(model, dir);
    console.log(
      `Wrote ${r.files.map((f) => `${dir}/${f}`).join(' and ')} (${(r.bytes / 1024).toFixed(1)} KiB of weights).`,
    );
  },
});
