/**
 * A test client for the language server: spawns `node dist/cli.js lsp --stdio`
 * and talks to it with vscode-languageserver-protocol (the maintained
 * JSON-RPC/LSP library VS Code's own client is built on). Records published
 * diagnostics and log messages, answers workspace/configuration from a
 * settings object the test controls.
 */
import * as cp from 'child_process';
import * as path from 'path';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  ProtocolConnection,
  PublishDiagnosticsParams,
  Diagnostic,
  InitializeResult,
} from 'vscode-languageserver-protocol/node';
import { REPO_ROOT } from './helpers';

export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

export class LspTestClient {
  readonly proc: cp.ChildProcessWithoutNullStreams;
  readonly conn: ProtocolConnection;
  readonly logs: string[] = [];
  readonly stderr: string[] = [];
  /** every publishDiagnostics, in order */
  readonly published: PublishDiagnosticsParams[] = [];
  /** $/progress notifications (token, value) */
  readonly progress: { token: string | number; value: { kind: string; title?: string; message?: string; percentage?: number } }[] = [];
  settings: unknown = {};
  configurationRequests = 0;
  readonly exited: Promise<number | null>;
  private waiters: (() => void)[] = [];

  constructor(args: string[] = ['lsp', '--stdio']) {
    this.proc = cp.spawn(process.execPath, [CLI, ...args], { stdio: 'pipe' });
    this.proc.stderr.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
    this.conn = createProtocolConnection(new StreamMessageReader(this.proc.stdout), new StreamMessageWriter(this.proc.stdin));
    this.conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.published.push(p);
      this.wake();
    });
    this.conn.onNotification('window/logMessage', (p: { message: string }) => {
      this.logs.push(p.message);
      this.wake();
    });
    this.conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => {
      this.configurationRequests++;
      return p.items.map((i) => (i.section === 'dmaScope' ? this.settings : null));
    });
    this.conn.onNotification('$/progress', (p: LspTestClient['progress'][number]) => {
      this.progress.push(p);
    });
    this.conn.onRequest('window/showDocument', () => ({ success: true }));
    this.conn.onRequest('window/workDoneProgress/create', () => null);
    this.conn.listen();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `pred` holds (checked after every notification), or rejects after `ms`. */
  until<T>(pred: () => T | undefined | false, ms = 15000, what = 'condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; stderr: ${this.stderr.join('')}; logs: ${this.logs.join(' | ')}`)), ms);
      const check = (): void => {
        const v = pred();
        if (v) {
          clearTimeout(t);
          resolve(v);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  async initialize(extra: Record<string, unknown> = {}): Promise<InitializeResult> {
    const r = (await this.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: `file://${REPO_ROOT}`,
      capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: { relatedInformation: true } } },
      ...extra,
    })) as InitializeResult;
    await this.conn.sendNotification('initialized', {});
    return r;
  }

  open(uri: string, text: string, version = 1, languageId = 'c'): Promise<void> {
    return this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
  }

  /** The diagnostics published for `uri` at `version` (waits for them). */
  diagnostics(uri: string, version?: number, ms?: number): Promise<Diagnostic[]> {
    return this.until(() => {
      for (let i = this.published.length - 1; i >= 0; i--) {
        const p = this.published[i];
        if (p.uri === uri && (version === undefined || p.version === version)) return p.diagnostics;
      }
      return undefined;
    }, ms, `diagnostics of ${uri}${version !== undefined ? ` v${version}` : ''}`);
  }

  async stop(): Promise<number | null> {
    if (this.proc.exitCode !== null) return this.proc.exitCode;
    try {
      await this.conn.sendRequest('shutdown');
      await this.conn.sendNotification('exit');
    } catch {
      this.proc.kill();
    }
    return this.exited;
  }

  dispose(): void {
    this.conn.dispose();
    if (this.proc.exitCode === null) this.proc.kill();
  }
}
