#!/usr/bin/env node
// A checkout's entry point: the node agent's commands plus the lab and the embedded API server.
import { startKpx } from '../packages/agent/bin/start.mjs';

process.exitCode = await startKpx(async () => (await import('../packages/lab/src/checkout-commands.ts')).CHECKOUT_COMMANDS);
