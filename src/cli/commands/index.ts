/** The registry of CLI commands. Each command lives in its own module. */
import type { CommandInfo } from '../args';
import { lifecycleCommand } from './lifecycle';
import { simulateCommand } from './simulate';

export const COMMANDS: CommandInfo[] = [lifecycleCommand, simulateCommand];
