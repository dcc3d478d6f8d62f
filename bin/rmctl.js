#!/usr/bin/env node
import { main } from '../dist/src/cli/rmctl.js';

await main(process.argv);
