import { comm } from '../../lib/comm';
import { complete, inspect, isComplete } from '../executor/introspection';
import type { Handler } from './context';
import { kernelInfo } from './info';

const reply = (type: string, content: Record<string, unknown>) => ({ type, content });

/** Shell-channel handlers by message type, except execute and shutdown, which the kernel runs itself. */
export const handlers: Record<string, Handler> = {
  kernel_info_request: () => reply('kernel_info_reply', kernelInfo()),

  complete_request: ({ content: { code, cursor_pos } }, ctx) => {
    const c = complete(ctx.executor.checker, code, cursor_pos);
    return reply('complete_reply', {
      status: 'ok',
      matches: c.matches,
      cursor_start: c.start,
      cursor_end: c.end,
      metadata: {
        _jupyter_types_experimental: c.types.map((t) => ({ text: t.text, type: t.type, start: c.start, end: c.end })),
      },
    });
  },

  inspect_request: ({ content: { code, cursor_pos, detail_level = 0 } }, ctx) => {
    const text = inspect(ctx.executor.checker, code, cursor_pos, detail_level);
    return reply(
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

  is_complete_request: ({ content: { code } }) => reply('is_complete_reply', isComplete(code ?? '')),

  history_request: ({ content }, ctx) => {
    const { hist_access_type, n = 10, start = 0, stop, pattern = '*', unique = false, output = false } = content;
    let entries = [...ctx.history];
    if (hist_access_type === 'tail') entries = entries.slice(-n);
    else if (hist_access_type === 'range')
      entries = entries.filter((e) => e.line >= start && (stop == null || e.line < stop));
    else if (hist_access_type === 'search') {
      const glob = String(pattern)
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.');
      const re = new RegExp(`^${glob}$`, 's');
      entries = entries.filter((e) => re.test(e.input));
      if (unique) entries = entries.filter((e, i, all) => all.findLastIndex((x) => x.input === e.input) === i);
      if (n) entries = entries.slice(-n);
    }
    const history = entries.map((e) => (output ? [e.session, e.line, [e.input, null]] : [e.session, e.line, e.input]));
    return reply('history_reply', { status: 'ok', history });
  },

  comm_info_request: ({ content: { target_name } }) => {
    const comms = Object.fromEntries(comm.list(target_name).map((c) => [c.id, { target_name: c.target }]));
    return reply('comm_info_reply', { status: 'ok', comms });
  },

  comm_open: ({ content: { comm_id, target_name, data }, metadata, buffers }, ctx) => {
    if (!comm._accept(comm_id, target_name, { data, metadata, buffers })) {
      // No such target: close it, as the protocol asks, so the frontend does not wait on it.
      ctx.publish('comm_close', { comm_id, data: { error: `no comm target named ${target_name}` } });
    }
    return undefined;
  },

  comm_msg: ({ content: { comm_id, data }, metadata, buffers }) => {
    comm.get(comm_id)?._receive({ data, metadata, buffers });
    return undefined;
  },

  comm_close: ({ content: { comm_id, data }, metadata, buffers }) => {
    comm.get(comm_id)?._closed({ data, metadata, buffers });
    return undefined;
  },
};
