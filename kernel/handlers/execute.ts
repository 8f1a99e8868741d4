import type { Kernel } from '../kernel';
import { runCell } from '../cell';
import { CellError } from '../executor/errors';
import type { Message } from '../protocol/message';

/** execute_request: busy -> execute_input -> outputs -> execute_result | error -> execute_reply -> idle. */
export async function execute(k: Kernel, msg: Message): Promise<void> {
  const { code = '', silent = false, store_history = true, user_expressions = {} } = msg.content;
  const store = store_history && !silent;
  if (store) k.executionCount++;
  const count = k.executionCount;
  k.parent = msg;
  if (!silent) k.publish('execute_input', { code, execution_count: count });
  if (store) k.history.push({ session: 1, line: count, input: code });
  k.newSignal();
  let reply: Record<string, unknown>;
  const t0 = performance.now();
  const checkBefore = k.executor.checkMs;
  try {
    await k.backendReady;
    const result = await runCell(k.executor, code, `In[${count}]`);
    await k.settle();
    if (result.hasValue && !silent && result.value !== undefined) {
      k.publish('execute_result', { execution_count: count, data: await k.bundleOf(result.value), metadata: {} });
    }
    reply = {
      status: 'ok',
      execution_count: count,
      payload: [],
      user_expressions: await evaluateExpressions(k, user_expressions),
    };
  } catch (e) {
    await k.settle();
    const err = e instanceof CellError ? e : k.executor.runtimeError(e);
    const content = { ename: err.ename, evalue: err.evalue, traceback: err.traceback };
    if (!silent) k.publish('error', content);
    reply = { status: 'error', execution_count: count, ...content };
  }
  k.guardProcessHandlers();
  // How long the cell took and how much of it was type-checking: visible to any client.
  const timing = {
    total_ms: +(performance.now() - t0).toFixed(2),
    check_ms: +(k.executor.checkMs - checkBefore).toFixed(2),
  };
  await k.server.reply(msg, 'execute_reply', reply, { amalgam: timing });
}

/** user_expressions: each evaluated after the cell, as a mime bundle or an error. */
async function evaluateExpressions(k: Kernel, expressions: Record<string, string>): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [key, expr] of Object.entries(expressions)) {
    try {
      const r = await k.executor.run(expr, { name: `Expr[${key}]` });
      out[key] = { status: 'ok', data: await k.bundleOf(r.value), metadata: {} };
    } catch (e) {
      const err = e instanceof CellError ? e : k.executor.runtimeError(e);
      out[key] = { status: 'error', ename: err.ename, evalue: err.evalue, traceback: err.traceback };
    }
  }
  return out;
}
