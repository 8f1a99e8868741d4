// Filled in by the train issue.
export {};
