import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MimeBundle } from '../../lib/display/bundle';
import type { DisplayOptions } from '../../lib/display/sink';

const VEGALITE = /^application\/vnd\.vegalite\.v\d+\+json$/;
const ERASE_LINE = '\r\x1b[2K';

/**
 * Displays in a terminal: text/plain for everything (tables have a text twin), images and charts
 * written to a PNG file whose path is printed (and drawn inline in terminals with an image
 * protocol), and a one-line display with an id (training progress) kept as a status line at the
 * bottom, redrawn in place by its updates while other output scrolls above it.
 */
export class TerminalOutput {
  /** The status line now drawn (no newline after it yet). */
  private live: { id: string; text: string } | undefined;
  private files = new Map<string, string>();
  private images = 0;
  readonly dir: string;

  constructor(
    private readonly write: (text: string) => void,
    private readonly tty: boolean,
    dir = path.join(os.tmpdir(), `amalgam-repl-${process.pid}`),
  ) {
    this.dir = dir;
  }

  /** Text the cell printed (stdout/stderr): above the status line, which is redrawn after it. */
  text(chunk: string): void {
    if (!this.live) {
      this.write(chunk);
      return;
    }
    this.write(ERASE_LINE + chunk);
    if (chunk.endsWith('\n')) this.write(this.live.text);
    else this.live = undefined;
  }

  display(bundle: MimeBundle, options: DisplayOptions): void {
    const id = options.id;
    if (this.imageOf(bundle)) {
      // An update of an image already written (the loss chart each epoch) rewrites its file only.
      const known = !!id && this.files.has(id);
      const text = this.render(bundle, options);
      if (!(options.update && known)) this.text(`${text}\n`);
      return;
    }
    const text = this.render(bundle, options);
    if (id && this.tty && !text.includes('\n')) {
      if (this.live?.id === id || (!this.live && options.update)) {
        this.write(ERASE_LINE + text);
        this.live = { id, text };
        return;
      }
      if (!options.update) {
        this.finishLine();
        this.write(text);
        this.live = { id, text };
        return;
      }
    }
    this.text(`${text}\n`);
  }

  /** The end of a cell: the status line stays where it is, and the prompt goes below it. */
  finishLine(): void {
    if (this.live) this.write('\n');
    this.live = undefined;
  }

  private imageOf(bundle: MimeBundle): string | undefined {
    const png = bundle['image/png'];
    return typeof png === 'string' ? png : undefined;
  }

  /** text/plain, plus where the image went for a chart or a picture. */
  render(bundle: MimeBundle, options: DisplayOptions = {}): string {
    const markdown = bundle['text/markdown'];
    // Markdown whose text twin is the markdown itself (a magic's help): shown without its markup.
    const plain =
      typeof markdown === 'string' && (bundle['text/plain'] === undefined || bundle['text/plain'] === markdown)
        ? terminalMarkdown(markdown)
        : String(bundle['text/plain'] ?? '');
    const png = this.imageOf(bundle);
    const isChart = Object.keys(bundle).some((m) => VEGALITE.test(m));
    if (!png || (!isChart && bundle['text/html'] !== undefined)) return plain;
    const file =
      (options.id && this.files.get(options.id)) ||
      path.join(this.dir, `${isChart ? 'chart' : 'image'}-${++this.images}.png`);
    if (options.id) this.files.set(options.id, file);
    fs.mkdirSync(this.dir, { recursive: true });
    fs.writeFileSync(file, Buffer.from(png, 'base64'));
    return `${plain} → ${file}${this.tty ? inlineImage(png) : ''}`;
  }
}

/** Markdown as a terminal shows it: no code fences, no emphasis marks, headings as plain lines. */
export function terminalMarkdown(md: string): string {
  return md
    .split('\n')
    .filter((line) => !/^\s*```/.test(line))
    .map((line) =>
      line
        .replace(/^#{1,6}\s+/, '')
        .replace(/\*\*([^*]+)\*\*/g, '$1')
        .replace(/(^|\W)_([^_]+)_(?=\W|$)/g, '$1$2'),
    )
    .join('\n')
    .trimEnd();
}

/** The PNG drawn in the terminal itself where it speaks an image protocol (iTerm2, WezTerm, kitty). */
function inlineImage(base64: string): string {
  const program = process.env.TERM_PROGRAM ?? '';
  if (program === 'iTerm.app' || program === 'WezTerm')
    return `\n\x1b]1337;File=inline=1;size=${Math.floor((base64.length * 3) / 4)}:${base64}\x07`;
  if (process.env.TERM === 'xterm-kitty' || process.env.KITTY_WINDOW_ID) {
    const chunks = base64.match(/.{1,4096}/g) ?? [];
    return `\n${chunks.map((c, i) => `\x1b_G${i === 0 ? 'a=T,f=100,' : ''}m=${i < chunks.length - 1 ? 1 : 0};${c}\x1b\\`).join('')}`;
  }
  return '';
}
