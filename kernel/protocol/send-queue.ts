/**
 * ZeroMQ.js allows one send in flight per socket ("Socket is busy writing"): outgoing messages go
 * through this queue so bursts of output (a fast loop printing) are sent one after another, in order.
 */
export class SendQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private socket: { send(frames: Buffer[]): Promise<void> },
    private onError: (e: Error) => void = () => {},
  ) {}

  send(frames: Buffer[]): Promise<void> {
    const next = this.tail.then(() => this.socket.send(frames)).catch((e) => this.onError(e));
    this.tail = next;
    return next;
  }
}
