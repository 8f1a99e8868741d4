// A minimal Jupyter client over ZeroMQ for protocol-level tests: starts `amalgam kernel` on fresh
// ports, signs requests, and collects iopub messages per request.
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zmq from 'zeromq';
import { CLI, ROOT } from './kernelspec.mjs';

const DELIM = '<IDS|MSG>';

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export class KernelClient {
  static async start({ cwd = ROOT, env = {} } = {}) {
    const c = new KernelClient();
    const dir = mkdtempSync(join(tmpdir(), 'amalgam-conn-'));
    const ports = {};
    for (const k of ['shell', 'control', 'stdin', 'iopub', 'hb']) ports[`${k}_port`] = await freePort();
    c.key = randomUUID();
    c.connection = { transport: 'tcp', ip: '127.0.0.1', key: c.key, signature_scheme: 'hmac-sha256', ...ports };
    const file = join(dir, 'kernel.json');
    writeFileSync(file, JSON.stringify(c.connection));
    c.stderr = '';
    c.proc = spawn(process.execPath, [CLI, 'kernel', file], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    c.proc.stderr.on('data', (d) => (c.stderr += d));
    c.proc.stdout.on('data', (d) => (c.stderr += d));
    c.exited = new Promise((resolve) => c.proc.on('exit', (code, signal) => resolve({ code, signal })));
    const url = (p) => `tcp://127.0.0.1:${p}`;
    c.session = randomUUID();
    c.shell = new zmq.Dealer({ routingId: c.session });
    c.control = new zmq.Dealer();
    c.stdin = new zmq.Dealer({ routingId: c.session });
    c.iopub = new zmq.Subscriber();
    c.hb = new zmq.Request();
    c.shell.connect(url(ports.shell_port));
    c.control.connect(url(ports.control_port));
    c.stdin.connect(url(ports.stdin_port));
    c.iopub.connect(url(ports.iopub_port));
    c.hb.connect(url(ports.hb_port));
    c.iopub.subscribe();
    c.iopubMessages = [];
    c.waiters = [];
    c.replies = new Map();
    c.stdinMessages = [];
    c.pump(c.iopub, (m) => {
      c.iopubMessages.push(m);
      c.notify();
    });
    c.pump(c.shell, (m) => {
      c.replies.set(m.parent_header.msg_id, m);
      c.notify();
    });
    c.pump(c.control, (m) => {
      c.replies.set(m.parent_header.msg_id, m);
      c.notify();
    });
    c.pump(c.stdin, (m) => {
      c.stdinMessages.push(m);
      c.notify();
    });
    // Wait until the kernel answers kernel_info and its iopub status reaches us (ZeroMQ drops
    // what a subscriber misses while it is still joining, so keep asking until one arrives).
    for (let i = 0; ; i++) {
      try {
        c.info = await c.request('shell', 'kernel_info_request', {}, { timeout: 1000 });
        await c.waitFor(
          () => c.iopubMessages.some((m) => m.parent_header.msg_id === c.info.parent_header.msg_id),
          300,
          'iopub',
        );
        break;
      } catch (_e) {
        if (i > 60 || c.proc.exitCode !== null || c.proc.signalCode !== null) {
          // Leave nothing open: a failed start must not keep the test process alive.
          c.proc.kill('SIGKILL');
          for (const s of [c.shell, c.control, c.stdin, c.iopub, c.hb]) s.close();
          throw new Error(`kernel did not start (exit ${c.proc.exitCode ?? c.proc.signalCode}): ${c.stderr}`);
        }
      }
    }
    return c;
  }

  async pump(socket, onMessage) {
    try {
      for await (const frames of socket) {
        const at = frames.findIndex((f) => f.toString() === DELIM);
        const [sig, header, parent, metadata, content, ...buffers] = frames.slice(at + 1);
        const expected = this.sign([header, parent, metadata, content]);
        onMessage({
          signatureOk: sig.toString() === expected,
          header: JSON.parse(header),
          parent_header: JSON.parse(parent),
          metadata: JSON.parse(metadata),
          content: JSON.parse(content),
          buffers,
        });
      }
    } catch {
      /* socket closed */
    }
  }

  notify() {
    for (const w of this.waiters.splice(0)) w();
  }
  changed() {
    return new Promise((r) => this.waiters.push(r));
  }

  sign(parts) {
    const h = createHmac('sha256', this.key);
    for (const p of parts) h.update(p);
    return h.digest('hex');
  }

  frames(type, content, { key, metadata = {} } = {}) {
    const header = {
      msg_id: randomUUID(),
      msg_type: type,
      session: this.session,
      username: 'test',
      date: new Date().toISOString(),
      version: '5.3',
    };
    const parts = [header, {}, metadata, content].map((x) => Buffer.from(JSON.stringify(x)));
    const sig =
      key === undefined ? this.sign(parts) : createHmac('sha256', key).update(Buffer.concat(parts)).digest('hex');
    return { header, frames: [Buffer.from(DELIM), Buffer.from(sig), ...parts] };
  }

  /** Sends without waiting; returns the header. `key` signs with another key (bad-signature tests). */
  async send(channel, type, content, options = {}) {
    const { header, frames } = this.frames(type, content, options);
    await this[channel].send(frames);
    return header;
  }

  async waitFor(predicate, timeout = 30000, what = 'a message') {
    const deadline = Date.now() + timeout;
    for (;;) {
      const v = predicate();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}\nkernel log:\n${this.stderr.slice(-2000)}`);
      await Promise.race([this.changed(), new Promise((r) => setTimeout(r, Math.min(left, 200)))]);
    }
  }

  async request(channel, type, content, { timeout = 30000, ...options } = {}) {
    const header = await this.send(channel, type, content, options);
    return this.waitFor(() => this.replies.get(header.msg_id), timeout, `${type} reply`);
  }

  /** iopub messages of a request, once its idle status arrived. */
  async outputs(msgId, timeout = 30000) {
    await this.waitFor(
      () =>
        this.iopubMessages.some(
          (m) =>
            m.parent_header.msg_id === msgId && m.header.msg_type === 'status' && m.content.execution_state === 'idle',
        ),
      timeout,
      'idle',
    );
    return this.iopubMessages.filter((m) => m.parent_header.msg_id === msgId);
  }

  /** execute_request; resolves { reply, outputs }. */
  async execute(code, { timeout = 60000, ...content } = {}) {
    const header = await this.send('shell', 'execute_request', {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
      ...content,
    });
    const reply = await this.waitFor(
      () => this.replies.get(header.msg_id),
      timeout,
      `execute_reply for ${code.slice(0, 40)}`,
    );
    return { reply, outputs: await this.outputs(header.msg_id, timeout), header };
  }

  async close() {
    try {
      await this.request('control', 'shutdown_request', { restart: false }, { timeout: 5000 });
    } catch {
      /* already gone */
    }
    const exited = await Promise.race([this.exited, new Promise((r) => setTimeout(() => r(null), 5000))]);
    if (!exited) this.proc.kill('SIGKILL');
    for (const s of [this.shell, this.control, this.stdin, this.iopub, this.hb]) s.close();
  }
}

export const resultText = (outputs) =>
  outputs
    .filter((m) => m.header.msg_type === 'execute_result')
    .map((m) => m.content.data['text/plain'])
    .join('');
export const streamText = (outputs, name = 'stdout') =>
  outputs
    .filter((m) => m.header.msg_type === 'stream' && m.content.name === name)
    .map((m) => m.content.text)
    .join('');
