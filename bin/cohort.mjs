#!/usr/bin/env node
// Loads the TypeScript CLI in this same process through tsx, so `npx cohort <command>` needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
