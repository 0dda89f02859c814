/**
 * Desktop (Node extension host): the language features come from the DMA Scope language server, a child
 * process started through vscode-languageclient (languageClient.ts); activation.ts wires the rest.
 */
import * as vscode from 'vscode';
import type { Services } from './services';
import { activateWith } from './activation';
import { startLanguageClient } from './languageClient';

export function activate(context: vscode.ExtensionContext): { services: Services } {
  return activateWith(context, startLanguageClient);
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}
