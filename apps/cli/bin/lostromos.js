#!/usr/bin/env node
// Thin launcher so the bin exists (and is executable) before the first build; the CLI lives in dist/.
import '../dist/main.js';
