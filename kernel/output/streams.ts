/**
 * Captures process.stdout / process.stderr writes (console.log, console.error, libraries) and turns
 * them into `stream` messages. Text is buffered briefly and flushed before any display, so outputs
 * keep their order, and at the end of each cell, so a cell's text stays in its own cell.
 */
export class StreamCapture {
  private buffers = { stdout: '', stderr: '' };
  private order: ('stdout' | 'stderr')[] = [];
  private timer: NodeJS.Timeout | undefined;
  private originals = {
    stdout: process.stdout.write.bind(process.stdout),
    stderr: process.stderr.write.bind(process.stderr),
  };

  constructor(private emit: (name: 'stdout' | 'stderr', text: string) => void) {}

  install(): void {
    for (const name of ['stdout', 'stderr'] as const) {
      (process[name] as any).write = (chunk: any, encoding?: any, cb?: any) => {
        const text =
          typeof chunk === 'string'
            ? chunk
            : Buffer.from(chunk).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
        this.push(name, text);
        const done = typeof encoding === 'function' ? encoding : cb;
        if (typeof done === 'function') done();
        return true;
      };
    }
  }

  /** Writes to the real stderr (the kernel's log), bypassing capture. */
  log(text: string): void {
    this.originals.stderr(`[amalgam] ${text}\n`);
  }

  private push(name: 'stdout' | 'stderr', text: string): void {
    if (this.order[this.order.length - 1] !== name) {
      // Switching streams: flush so stdout and stderr interleave in the order they were written.
      if (this.order.length) this.flush();
      this.order.push(name);
    }
    this.buffers[name] += text;
    this.timer ??= setTimeout(() => this.flush(), 30);
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (const name of this.order) {
      const text = this.buffers[name];
      this.buffers[name] = '';
      if (text) this.emit(name, text);
    }
    this.order = [];
  }
}
