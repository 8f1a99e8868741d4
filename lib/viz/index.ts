// Filled in by the viz issue.
export {};
