#!/usr/bin/env node
// Launcher: lets Node run the TypeScript CLI directly through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
