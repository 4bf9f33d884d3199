#!/usr/bin/env node
// The node agent's entry point (the container image's): render, run, explain.
import { startKpx } from './start.mjs';

process.exitCode = await startKpx();
