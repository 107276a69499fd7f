#!/usr/bin/env node
// Runs the TypeScript sources directly (Node >= 23 strips types), no build step.
const { main } = await import('../src/main.ts');
await main(process.argv.slice(2), import.meta.url);
