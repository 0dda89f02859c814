/** The registry of CLI commands. Each command lives in its own module. */
import type { CommandInfo } from '../args';
import { checkCommand } from './check';
import { explainCommand } from './explain';
import { lifecycleCommand } from './lifecycle';
import { simulateCommand } from './simulate';
import { explainLogCommand } from './explainLog';
import { rulesCommand } from './rules';
import { kbuildCommand } from './kbuild';
import { lspCommand } from './lsp';
import { replayCommand } from './replay';

export const COMMANDS: CommandInfo[] = [checkCommand, explainCommand, lifecycleCommand, replayCommand, simulateCommand, explainLogCommand, rulesCommand, kbuildCommand, lspCommand];
