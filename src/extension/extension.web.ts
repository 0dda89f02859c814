/**
 * Activation in VS Code for the Web: the language features run in the
 * extension host itself (the desktop entry, extension.ts, gets them from the
 * language server instead). Nothing is parsed here: the parser loads with the
 * first C document.
 */
import * as vscode from 'vscode';
import { Services } from './services';
import { registerHover } from './hover';
import { registerLifecycle } from './lifecycleCommands';
import { registerExplainLog } from './explainLog';
import { registerDiagnostics } from './diagnostics';
import { registerCodeActions } from './codeActions';
import { registerRulePages } from './rulePages';
import { RepoConfigs } from './repoConfig';

export function activate(context: vscode.ExtensionContext): { services: Services } {
  const services = new Services(context);
  context.subscriptions.push(services);
  context.subscriptions.push(registerHover(services));
  registerRulePages(context);
  const repoConfigs = new RepoConfigs((line) => services.output.appendLine(line));
  context.subscriptions.push(repoConfigs);
  registerLifecycle(context, services, repoConfigs);
  registerExplainLog(services);
  registerCodeActions(context, registerDiagnostics(context, services, repoConfigs));
  return { services };
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}
