// `npm start`: rebuild dist/ if a source changed (scripts/build.mjs), then run the server in this same
// process, so a start pays for one Node.js process, not three (npm's pre-script, the build, the server).
await import('./build.mjs');
await import('../dist/server.js');
