/**
 * amalgam: what notebook cells import. `import { display, amalgamate, data, viz } from 'amalgam'`.
 * This module never imports kernel/: it works the same in a plain Node script.
 */
import './register'; // the one side effect: built-in renderers and the amalgamation's display
export { display, clearOutput, setDisplaySink } from './display/output';
export type { DisplayOptions, DisplaySink } from './display/output';
export { html, markdown, svg, png, json, bundle, DISPLAY_SYMBOL, isDisplayable } from './display/bundle';
export type { MimeBundle, Displayable } from './display/bundle';
export { registerRenderer, toMimeBundle } from './display/mime';
export { vegaLiteBundle, vegaLiteToSvg, VEGALITE_MIME } from './display/vegalite';
export { defineMagic, registerMagic, listMagics, getMagic } from './magics/magic';
export type { Magic, MagicContext, MagicDefinition, Session } from './magics/magic';
export type { FlagSpec, MagicArguments, PositionalSpec } from './magics/arguments';
export { parseArgs, UsageError } from './magics/args';
export { seed, random } from './random';
export * as backend from './backend';
export { comm } from './comm';
export { input, prompt } from './input';
export { interrupted, throwIfInterrupted, currentSignal } from './interrupt';
export * as data from './data/index';
export * as model from './model/index';
export { amalgamate, blocks } from './model/index';
export * as train from './train/index';
export * as registry from './registry/index';
export * as viz from './viz/index';
export * as serve from './serve/index';
