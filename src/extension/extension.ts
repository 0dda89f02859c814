/**
 * Activation only wires features together; each feature lives in its own
 * module. Nothing is parsed here: the parser loads with the first C document.
 *
 * Desktop (Node extension host): the language features (diagnostics, hover,
 * quick fixes, replay lenses) come from the DMA Scope language server through
 * vscode-languageclient; the extension keeps the VS Code UI. The browser
 * entry (extension.web.ts) gets them from the same server in a web worker.
 */
import * as vscode from 'vscode';
import { Services } from './services';
import { registerLifecycle } from './lifecycleCommands';
import { registerExplainLog } from './explainLog';
import { registerRulePages } from './rulePages';
import { RepoConfigs } from './repoConfig';
import { startLanguageClient } from './languageClient';

export function activate(context: vscode.ExtensionContext): { services: Services } {
  const services = new Services(context);
  context.subscriptions.push(services);
  registerRulePages(context);
  const repoConfigs = new RepoConfigs((line) => services.output.appendLine(line));
  context.subscriptions.push(repoConfigs);
  registerLifecycle(context, services, repoConfigs, { lens: false });
  registerExplainLog(services);
  context.subscriptions.push(startLanguageClient(context, services));
  return { services };
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}
