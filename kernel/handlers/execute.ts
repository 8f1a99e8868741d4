import { toMimeBundle } from '../../lib/display/mime';
import { untilReady } from '../../lib/interrupt';
import { runCell } from '../cell';
import { CellError } from '../executor/errors';
import type { KernelContext, Reply, Request } from './context';

/** The mime bundle of a value, or an error text if rendering itself failed. */
async function bundleOf(value: unknown): Promise<Record<string, unknown>> {
  try {
    return await toMimeBundle(value);
  } catch (e) {
    return { 'text/plain': `<display failed: ${(e as Error).message}>` };
  }
}

/**
 * execute_request with its execution count (the kernel assigns it): outputs → execute_result |
 * error, then the reply's content. The kernel sends busy/execute_input before and idle after.
 */
export async function execute({ content }: Request, ctx: KernelContext, count: number): Promise<Reply> {
  const { code = '', silent = false, user_expressions = {} } = content;
  let reply: Record<string, unknown>;
  const t0 = performance.now();
  const checkBefore = ctx.executor.checkMs;
  try {
    await untilReady(ctx.backendReady);
    const result = await runCell(ctx.executor, code, `In[${count}]`);
    await ctx.settle();
    if (result.hasValue && !silent && result.value !== undefined) {
      ctx.publish('execute_result', { execution_count: count, data: await bundleOf(result.value), metadata: {} });
    }
    reply = {
      status: 'ok',
      execution_count: count,
      payload: [],
      user_expressions: await evaluateExpressions(ctx, user_expressions),
    };
  } catch (e) {
    await ctx.settle();
    const err = e instanceof CellError ? e : ctx.executor.runtimeError(e);
    const error = { ename: err.ename, evalue: err.evalue, traceback: err.traceback };
    if (!silent) ctx.publish('error', error);
    reply = { status: 'error', execution_count: count, ...error };
  }
  // How long the cell took and how much of it was type-checking: visible to any client.
  const timing = {
    total_ms: +(performance.now() - t0).toFixed(2),
    check_ms: +(ctx.executor.checkMs - checkBefore).toFixed(2),
  };
  return { type: 'execute_reply', content: reply, metadata: { amalgam: timing } };
}

/** user_expressions: each evaluated after the cell, as a mime bundle or an error. */
async function evaluateExpressions(
  ctx: KernelContext,
  expressions: Record<string, string>,
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [key, expr] of Object.entries(expressions)) {
    try {
      const r = await ctx.executor.run(expr, { name: `Expr[${key}]` });
      out[key] = { status: 'ok', data: await bundleOf(r.value), metadata: {} };
    } catch (e) {
      const err = e instanceof CellError ? e : ctx.executor.runtimeError(e);
      out[key] = { status: 'error', ename: err.ename, evalue: err.evalue, traceback: err.traceback };
    }
  }
  return out;
}
