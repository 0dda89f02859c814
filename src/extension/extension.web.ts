/**
 * Activation in VS Code for the Web: as on the desktop (extension.ts), the
 * language features (diagnostics, hover, quick fixes) come from the DMA Scope
 * language server, here running in a web worker (languageClient.web.ts); the
 * extension keeps the VS Code UI (replay panel, platform picker, commands,
 * rule pages, log view). Nothing is parsed here: the server loads the parser.
 */
import * as vscode from 'vscode';
import { Services } from './services';
import { registerLifecycle } from './lifecycleCommands';
import { registerExplainLog } from './explainLog';
import { registerRulePages } from './rulePages';
import { RepoConfigs } from './repoConfig';
import { startWebLanguageClient } from './languageClient.web';

export function activate(context: vscode.ExtensionContext): { services: Services } {
  const services = new Services(context);
  context.subscriptions.push(services);
  registerRulePages(context);
  const repoConfigs = new RepoConfigs((line) => services.output.appendLine(line));
  context.subscriptions.push(repoConfigs);
  registerLifecycle(context, services, repoConfigs, { lens: false });
  registerExplainLog(services);
  context.subscriptions.push(startWebLanguageClient(context, services));
  return { services };
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}
