#!/usr/bin/env node
// A checkout's entry point: the node agent's commands plus the lab and the embedded API server.
import { startKpx } from '@kpx/agent/bin/start.mjs';

process.exitCode = await startKpx(async () => (await import('@kpx/lab/checkout-commands.ts')).CHECKOUT_COMMANDS);
