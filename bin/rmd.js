#!/usr/bin/env node
import { main } from '../dist/src/cli/rmd.js';

await main(process.argv);
