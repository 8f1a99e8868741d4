import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { AmalgamError } from '../../lib/util/errors';
// The official nbformat v4.5 schema, as nbformat 5.5 ships it (BSD-3-Clause, Jupyter Development Team).
import schema from './nbformat.v4.5.schema.json';

/** A notebook the runner refuses: missing, not JSON, not a notebook, or invalid. The message names the file. */
export class NotebookError extends AmalgamError {}

export interface Cell {
  id: string;
  cell_type: 'code' | 'markdown' | 'raw';
  metadata: Record<string, any>;
  source: string | string[];
  outputs?: Record<string, any>[];
  execution_count?: number | null;
  attachments?: Record<string, unknown>;
}

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: Record<string, any>;
  cells: Cell[];
}

const CELL_TYPES = ['code', 'markdown', 'raw'];
const OUTPUT_TYPES = ['stream', 'display_data', 'execute_result', 'error'];

let validators: {
  notebook: ValidateFunction;
  cell: Record<string, ValidateFunction>;
  output: Record<string, ValidateFunction>;
};

/** Compiled once: the whole notebook, and each cell and output type on its own (for one clear message each). */
function compiled(): typeof validators {
  if (validators) return validators;
  // The schema is draft-04; the keywords it uses mean the same in ajv's default draft.
  const { $schema: _, ...body } = schema as Record<string, any>;
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  ajv.addSchema(body, 'nbformat');
  const ref = (name: string) => ajv.compile({ $ref: `nbformat#/definitions/${name}` });
  validators = {
    notebook: ajv.getSchema('nbformat')!,
    cell: Object.fromEntries(CELL_TYPES.map((t) => [t, ref(`${t}_cell`)])),
    output: Object.fromEntries(OUTPUT_TYPES.map((t) => [t, ref(t)])),
  };
  return validators;
}

/** `/cells/2/source` → `cells[2].source`. */
const where = (base: string, pointer: string) =>
  base +
  pointer
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('');

function describe(base: string, e: ErrorObject): string {
  const at = where(base, e.instancePath) || 'the notebook';
  const p = e.params as Record<string, any>;
  switch (e.keyword) {
    case 'required':
      return `${at}: missing "${p.missingProperty}"`;
    case 'additionalProperties':
      return `${at}: unexpected property "${p.additionalProperty}"`;
    case 'type':
      return `${at}: must be ${p.type}`;
    case 'enum':
      return `${at}: must be one of ${p.allowedValues.map((v: unknown) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${at}: ${e.message}`;
  }
}

/**
 * What is wrong with `nb` against the nbformat v4.5 schema, one line per problem (empty: valid).
 * Cells and outputs are checked against the definition of their own type, so an invalid code
 * cell says what a code cell lacks rather than why it is not a raw or markdown cell either.
 */
export function schemaProblems(nb: unknown): string[] {
  const v = compiled();
  if (v.notebook(nb)) return [];
  const problems: string[] = [];
  const cells = (nb as any)?.cells;
  if (Array.isArray(cells)) {
    cells.forEach((cell: any, i: number) => {
      const base = `cells[${i}]`;
      const check = v.cell[cell?.cell_type];
      if (!check) {
        problems.push(`${base}: cell_type must be one of code, markdown, raw (got ${JSON.stringify(cell?.cell_type)})`);
        return;
      }
      if (!check(cell)) {
        const own = (check.errors ?? []).filter((e) => !/^\/outputs\/\d+/.test(e.instancePath));
        problems.push(...unique(own.map((e) => describe(base, e))));
      }
      if (cell.cell_type === 'code' && Array.isArray(cell.outputs))
        cell.outputs.forEach((o: any, j: number) => {
          const ob = `${base}.outputs[${j}]`;
          const oc = v.output[o?.output_type];
          if (!oc)
            problems.push(
              `${ob}: output_type must be one of ${OUTPUT_TYPES.join(', ')} (got ${JSON.stringify(o?.output_type)})`,
            );
          else if (!oc(o)) problems.push(...unique((oc.errors ?? []).map((e) => describe(ob, e))));
        });
    });
  }
  const top = (v.notebook.errors ?? []).filter((e) => !e.instancePath.startsWith('/cells/'));
  problems.push(...unique(top.map((e) => describe('', e))));
  return problems.length ? problems : ['does not match the nbformat v4.5 schema'];
}

const unique = (lines: string[]) => [...new Set(lines)];

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** JSON.parse's complaint with the line and column it happened at. */
function jsonProblem(text: string, e: Error): string {
  const m = /at position (\d+)/.exec(e.message);
  const offset = m ? Number(m[1]) : /end of JSON input/.test(e.message) ? text.length : undefined;
  const message = e.message.replace(/ in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
  if (offset === undefined) return message;
  const { line, column } = lineColumn(text, offset);
  return `${message} at line ${line}, column ${column} (position ${offset})`;
}

/**
 * Reads and checks a notebook: every problem is a NotebookError naming the file. Notebooks older
 * than v4.5 are upgraded as nbformat does (each cell gets an id), so what the runner writes is v4.5.
 */
export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e: any) {
    const why =
      e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory, not a notebook' : e.message;
    throw new NotebookError(`${file}: ${why}`);
  }
  let nb: any;
  try {
    nb = JSON.parse(text);
  } catch (e) {
    throw new NotebookError(`${file}: not JSON: ${jsonProblem(text, e as Error)}`);
  }
  if (!nb || typeof nb !== 'object' || Array.isArray(nb) || !('cells' in nb || 'nbformat' in nb))
    throw new NotebookError(`${file}: not a notebook (a JSON object with "nbformat" and "cells" is expected)`);
  if (nb.nbformat !== 4)
    throw new NotebookError(
      `${file}: nbformat ${JSON.stringify(nb.nbformat)} is not supported (version 4 notebooks are; \`jupyter nbconvert --to notebook\` upgrades older ones)`,
    );
  upgrade(nb);
  const problems = schemaProblems(nb);
  if (problems.length)
    throw new NotebookError(
      `${file}: invalid notebook (nbformat v4.5 schema):\n  ${problems.slice(0, 10).join('\n  ')}${problems.length > 10 ? `\n  ... and ${problems.length - 10} more` : ''}`,
    );
  return nb as Notebook;
}

/** v4.0–4.4 → v4.5: cell ids where missing (as nbformat's upgrade and its validator's repair do). */
function upgrade(nb: any): void {
  if (typeof nb.nbformat_minor === 'number' && nb.nbformat_minor < 5) nb.nbformat_minor = 5;
  if (!Array.isArray(nb.cells)) return;
  const seen = new Set<string>();
  for (const cell of nb.cells) {
    if (!cell || typeof cell !== 'object') continue;
    if (typeof cell.id !== 'string' || seen.has(cell.id)) cell.id = newCellId();
    seen.add(cell.id);
  }
}

export const newCellId = (): string => randomUUID().replace(/-/g, '').slice(0, 8);

/** Writes `nb` after checking it against the schema: the runner never writes a notebook Jupyter would refuse. */
export function writeNotebook(file: string, nb: Notebook): void {
  const problems = schemaProblems(nb);
  if (problems.length) throw new Error(`refusing to write ${file}, it would be invalid:\n  ${problems.join('\n  ')}`);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(nb, null, 1)}\n`);
}
