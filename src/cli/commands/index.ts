/** The registry of CLI commands. Each command lives in its own module. */
import type { CommandInfo } from '../args';
import { lifecycleCommand } from './lifecycle';
import { explainLogCommand } from './explainLog';

export const COMMANDS: CommandInfo[] = [lifecycleCommand, explainLogCommand];
