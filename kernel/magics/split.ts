/** A cell cut into what runs in turn: TypeScript code, line magics (`%name args`), or one cell magic (`%%name`). */
export type Segment =
  | { kind: 'code'; text: string; line: number }
  | { kind: 'line' | 'cell'; name: string; args: string; body: string; help: boolean; line: number };

const LINE_MAGIC = /^\s*%(?!%)([A-Za-z_]\w*)(\?)?(?:[ \t]+(.*))?\s*$/;
const CELL_MAGIC = /^%%([A-Za-z_]\w*)(\?)?(?:[ \t]+(.*))?\s*$/;

/**
 * A line starting with `%` is a line magic anywhere in a cell; `%%` on the first line makes the
 * whole cell a cell magic. Lines between magics stay together as one code segment, which keeps its
 * line offset so errors name the cell's own line numbers.
 */
export function splitCell(code: string): Segment[] {
  const lines = code.split('\n');
  const firstLine = lines.findIndex((l) => l.trim() !== '');
  if (firstLine >= 0) {
    const m = CELL_MAGIC.exec(lines[firstLine]);
    if (m)
      return [
        {
          kind: 'cell',
          name: m[1],
          help: !!m[2],
          args: (m[3] ?? '').trim(),
          body: lines.slice(firstLine + 1).join('\n'),
          line: firstLine,
        },
      ];
  }
  const out: Segment[] = [];
  let pending: string[] = [];
  let pendingStart = 0;
  let depth = 0; // inside a template literal or block comment a `%` line is code, not a magic
  const flush = () => {
    if (pending.some((l) => l.trim() !== '')) out.push({ kind: 'code', text: pending.join('\n'), line: pendingStart });
    pending = [];
  };
  lines.forEach((text, i) => {
    const m = depth === 0 ? LINE_MAGIC.exec(text) : null;
    if (m) {
      flush();
      out.push({ kind: 'line', name: m[1], help: !!m[2], args: (m[3] ?? '').trim(), body: '', line: i });
      pendingStart = i + 1;
    } else {
      if (!pending.length) pendingStart = i;
      pending.push(text);
      depth = openConstructs(text, depth);
    }
  });
  flush();
  return out;
}

/** Tracks whether a line leaves a template literal or block comment open (rough, for magic detection only). */
function openConstructs(line: string, depth: number): number {
  const backticks = (line.match(/(?<!\\)`/g) ?? []).length;
  const opens = (line.match(/\/\*/g) ?? []).length;
  const closes = (line.match(/\*\//g) ?? []).length;
  let d = depth;
  if (backticks % 2 === 1) d = d ? 0 : 1;
  if (opens > closes) d = 1;
  else if (closes > opens) d = 0;
  return d;
}
