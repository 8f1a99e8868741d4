/**
 * Publishes outputs in the order the cell produced them, even when one of them (a chart rendered to
 * SVG) takes a while: later outputs wait behind it instead of overtaking it.
 */
export class OutputQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  push<T>(item: T | Promise<T>, publish: (value: T) => void, onError: (e: unknown) => void = () => {}): Promise<void> {
    if (!this.pending && !(item instanceof Promise)) {
      publish(item);
      return Promise.resolve();
    }
    this.pending++;
    const ready = Promise.resolve(item);
    const done = this.tail
      .then(() => ready)
      .then(publish, onError)
      .finally(() => {
        this.pending--;
      });
    this.tail = done;
    return done;
  }

  /** Resolves once everything pushed so far is published. */
  drain(): Promise<void> {
    return this.tail;
  }
}
