// Magics of the model issue register here (imported by kernel/magics/index.ts).
export {};
