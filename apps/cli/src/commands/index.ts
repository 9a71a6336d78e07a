import type { Command } from '../command.js';
import { devCommand } from './dev.js';
import { diffCommand } from './diff.js';
import { renderCommand } from './render.js';
import { rolloutCommand } from './rollout.js';
import { simCommand } from './sim.js';
import { startCommand } from './start.js';
import { validateCommand } from './validate.js';
import { versionCommand } from './version.js';

/** Every sub-command, in the order `lostromos --help` lists them. */
export const commands: readonly Command[] = [
  versionCommand,
  validateCommand,
  renderCommand,
  diffCommand,
  rolloutCommand,
  startCommand,
  simCommand,
  devCommand,
];
