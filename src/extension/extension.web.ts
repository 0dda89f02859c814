/**
 * VS Code for the Web: the same language server runs in a web worker (languageClient.web.ts);
 * activation.ts wires the rest, as on the desktop.
 */
import * as vscode from 'vscode';
import type { Services } from './services';
import { activateWith } from './activation';
import { startWebLanguageClient } from './languageClient.web';

export function activate(context: vscode.ExtensionContext): { services: Services } {
  return activateWith(context, startWebLanguageClient);
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}
