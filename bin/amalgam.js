#!/usr/bin/env node
// The package's CLI. Sources are TypeScript (kernel/cli); this runs their build in dist/.
require('../dist/kernel/cli/main.js').main(process.argv.slice(2));
