// The servers running in this process (a notebook's %serve, a script's start()), in start order.
// Kept apart from server.ts so listing them does not load the HTTP stack.
const running = new Set<object>();

export const runningServers = (): object[] => [...running];
export const addRunning = (s: object) => running.add(s);
export const removeRunning = (s: object) => running.delete(s);
