// Filled in by the registry issue.
export {};
