/** The registry of CLI commands. Each command lives in its own module. */
import type { CommandInfo } from '../args';
import { checkCommand } from './check';

export const COMMANDS: CommandInfo[] = [checkCommand];
