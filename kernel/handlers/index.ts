import { comm } from '../../lib/comm';
import { complete, inspect, isComplete } from '../executor/introspection';
import type { Kernel } from '../kernel';
import type { Message } from '../protocol/message';
import { execute } from './execute';
import { kernelInfo } from './info';

type Handler = (k: Kernel, msg: Message) => Promise<void>;

/** Shell-channel handlers by message type (control is served by the control thread). */
export const handlers: Record<string, Handler> = {
  execute_request: execute,

  kernel_info_request: (k, msg) => k.server.reply(msg, 'kernel_info_reply', kernelInfo()),

  complete_request: async (k, msg) => {
    const { code, cursor_pos } = msg.content;
    const c = complete(k.executor.checker, code, cursor_pos);
    await k.server.reply(msg, 'complete_reply', {
      status: 'ok',
      matches: c.matches,
      cursor_start: c.start,
      cursor_end: c.end,
      metadata: {
        _jupyter_types_experimental: c.types.map((t) => ({ text: t.text, type: t.type, start: c.start, end: c.end })),
      },
    });
  },

  inspect_request: async (k, msg) => {
    const { code, cursor_pos, detail_level = 0 } = msg.content;
    const text = inspect(k.executor.checker, code, cursor_pos, detail_level);
    await k.server.reply(
      msg,
      'inspect_reply',
      text
        ? {
            status: 'ok',
            found: true,
            data: { 'text/plain': text, 'text/markdown': '```typescript\n' + text + '\n```' },
            metadata: {},
          }
        : { status: 'ok', found: false, data: {}, metadata: {} },
    );
  },

  is_complete_request: (k, msg) => k.server.reply(msg, 'is_complete_reply', isComplete(msg.content.code ?? '')),

  history_request: async (k, msg) => {
    const { hist_access_type, n = 10, start = 0, stop, pattern = '*', unique = false, output = false } = msg.content;
    let entries = k.history;
    if (hist_access_type === 'tail') entries = entries.slice(-n);
    else if (hist_access_type === 'range')
      entries = entries.filter((e) => e.line >= start && (stop == null || e.line < stop));
    else if (hist_access_type === 'search') {
      const re = new RegExp(
        `^${String(pattern)
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
        's',
      );
      entries = entries.filter((e) => re.test(e.input));
      if (unique) entries = entries.filter((e, i, all) => all.findLastIndex((x) => x.input === e.input) === i);
      if (n) entries = entries.slice(-n);
    }
    const history = entries.map((e) => (output ? [e.session, e.line, [e.input, null]] : [e.session, e.line, e.input]));
    await k.server.reply(msg, 'history_reply', { status: 'ok', history });
  },

  comm_info_request: async (k, msg) => {
    const comms = Object.fromEntries(comm.list(msg.content.target_name).map((c) => [c.id, { target_name: c.target }]));
    await k.server.reply(msg, 'comm_info_reply', { status: 'ok', comms });
  },

  comm_open: async (k, msg) => {
    const { comm_id, target_name, data } = msg.content;
    k.parent = msg;
    if (!comm._accept(comm_id, target_name, { data, metadata: msg.metadata, buffers: msg.buffers })) {
      // No such target: close it, as the protocol asks, so the frontend does not wait on it.
      k.publish('comm_close', { comm_id, data: { error: `no comm target named ${target_name}` } });
    }
  },

  comm_msg: async (k, msg) => {
    k.parent = msg;
    comm.get(msg.content.comm_id)?._receive({ data: msg.content.data, metadata: msg.metadata, buffers: msg.buffers });
  },

  comm_close: async (k, msg) => {
    k.parent = msg;
    comm.get(msg.content.comm_id)?._closed({ data: msg.content.data, metadata: msg.metadata, buffers: msg.buffers });
  },

  shutdown_request: async (k, msg) => {
    await k.server.reply(msg, 'shutdown_reply', { status: 'ok', restart: !!msg.content.restart });
    await k.settle();
    k.server.exit();
  },
};
