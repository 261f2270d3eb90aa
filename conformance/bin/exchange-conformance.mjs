#!/usr/bin/env node
// The kit is TypeScript run as is (no build step): register tsx's loader, then run the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../cli.ts');
