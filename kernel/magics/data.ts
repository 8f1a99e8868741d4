// Magics of the data issue register here (imported by kernel/magics/index.ts).
export {};
