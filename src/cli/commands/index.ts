/** The registry of CLI commands. Each command lives in its own module. */
import type { CommandInfo } from '../args';
import { explainLogCommand } from './explainLog';

export const COMMANDS: CommandInfo[] = [explainLogCommand];
