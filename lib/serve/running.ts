// The servers running in this process (a notebook's %serve, a script's start()), in start order.
// Kept apart from server.ts so listing them does not load the HTTP stack.
import type { Server } from './server';

const running = new Set<Server>();

export const servers = (): Server[] => [...running];
export const addRunning = (s: Server) => running.add(s);
export const removeRunning = (s: Server) => running.delete(s);
