/**
 * What both entries (desktop extension.ts, web extension.web.ts) activate: the VS Code UI the extension
 * keeps (replay panel and lenses' commands, platform picker, rule pages, log view) and a language client
 * for the DMA Scope language server, which owns diagnostics, hover and quick fixes. The entries differ
 * only in how that client reaches the server (a child process, or a web worker).
 * Nothing is parsed here: the server loads the parser with the first C document.
 */
import * as vscode from 'vscode';
import { Services } from './services';
import { registerLifecycle } from './lifecycleCommands';
import { registerExplainLog } from './explainLog';
import { registerRulePages } from './rulePages';
import { RepoConfigs } from './repoConfig';

export type StartClient = (context: vscode.ExtensionContext, services: Services) => vscode.Disposable;

export function activateWith(context: vscode.ExtensionContext, startClient: StartClient): { services: Services } {
  const services = new Services(context);
  context.subscriptions.push(services);
  registerRulePages(context);
  const repoConfigs = new RepoConfigs((line) => services.output.appendLine(line));
  context.subscriptions.push(repoConfigs);
  registerLifecycle(context, services, repoConfigs, { lens: false });
  registerExplainLog(services);
  context.subscriptions.push(startClient(context, services));
  return { services };
}
