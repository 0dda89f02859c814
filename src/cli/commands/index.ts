/** The registry of CLI commands. Each command lives in its own module. */
import type { CommandInfo } from '../args';

export const COMMANDS: CommandInfo[] = [];
