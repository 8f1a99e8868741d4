// Magics of the viz issue register here (imported by kernel/magics/index.ts).
export {};
