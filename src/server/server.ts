/**
 * The DMA Scope language server, independent of the transport: the node
 * entry (src/server/node.ts, `dma-scope lsp --stdio`) and a browser worker
 * entry give it a connection and a host (how to load the wasm, how to show a
 * replay page). Every call into the analysis goes through AnalysisAdapter.
 *
 * Features: diagnostics pushed on open/change (incremental sync, debounced,
 * stale runs dropped), hover (markdown), quick fixes as workspace edits, a
 * "Replay lifecycle" code lens with its command (the buffer followed through
 * the driver's files: those its folder's driver index names once ready, else
 * the bounded folder search of ./driverFolder.ts), settings from
 * `workspace/configuration` (section `dmaScope`) or initializationOptions.
 */
import {
  CancellationToken,
  CodeAction,
  CodeActionKind,
  CodeLens,
  Connection,
  Diagnostic,
  InitializeParams,
  InitializeResult,
  LSPErrorCodes,
  MarkupKind,
  MessageType,
  ShowMessageNotification,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  TextEdit,
  WorkDoneProgressReporter,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseSettings, isExcluded, skipReason, DmaScopeSettings } from '../analysis/settings';
import { ruleCommandUri, ruleDocPath } from '../model/links';
import type { SeveritySetting } from '../analysis/rules/types';
import { isPlatformId, PlatformId } from '../model/platformIds';
import { AnalysisAdapter, Finding, type DriverFinding } from './analysis';
import { ClientFiles, type RepoConfigResult } from './clientFiles';
import { DriverIndexing, folderOfPath } from './driverIndexing';
import { MAX_DRIVER_CHARS, MAX_DRIVER_FILES } from './driverFolder';
import { isCDocument, schemeOf, severityOf, uriPath, type ServerHost } from './host';

export { uriPath, type ReplayRequest, type ServerHost } from './host';
import type { LifecycleCandidate, StitchedFunction } from './analysis';
import { yieldToLoop } from './turn';
import { IdleTrim } from './idleTrim';
import { MEMORY_REQUEST, type MemoryParams, type MemoryResult } from './protocol';
import type { QuickFix } from '../analysis/quickFixes';
import { checkWorkspaceFiles, MAX_WORKSPACE_FILES, type WorkspaceCheckResult } from './workspaceCheck';

export const DIAGNOSTIC_SOURCE = 'dma-scope';
export const REPLAY_COMMAND = 'dmaScope.replayLifecycle';
export const CHECK_WORKSPACE_COMMAND = 'dmaScope.checkWorkspace';
/** a workspace check stops after this many files */
export { MAX_WORKSPACE_FILES } from './workspaceCheck';
export const DEBOUNCE_MS = 200;
const DEFAULT_PLATFORM: PlatformId = 'arm64-noncoherent';

function cancelled(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');
}

export function startServer(connection: Connection, host: ServerHost): { adapter: AnalysisAdapter } {
  const documents = new TextDocuments(TextDocument);
  /** files read through the client, for a host that cannot read them (the web worker; enabled by the client) */
  const clientFiles = new ClientFiles(connection);
  const adapter = new AnalysisAdapter(() => host.loadWasm(), host.sessionOptions ?? (host.repoConfig ? undefined : { headerHost: clientFiles.headerHost }));
  /** the repository configuration fetched through the client before the last check of each document */
  const clientRepo = new Map<string, RepoConfigResult>();
  /** VS Code (the extension's client) opens rule pages through its own command */
  let commandRuleLinks = false;
  const ruleHref = (id: string): string => (commandRuleLinks ? ruleCommandUri(id) : host.ruleDocHref?.(id) ?? ruleDocPath(id));
  /** severities for a document: the repository's .dma-scope.json under the client's settings */
  const severitiesFor = (uri: string): Record<string, SeveritySetting> => {
    const repo = repoFor(uri);
    return repo ? { ...repo.rules, ...settings.severities } : settings.severities;
  };
  /** a document's repository configuration: read by the host, or as last fetched through the client */
  const repoFor = (uri: string): { rules: Record<string, SeveritySetting>; excluded: boolean } | undefined => {
    if (clientFiles.isEnabled) return clientRepo.get(uri);
    const p = uriPath(uri);
    return p ? repoOf(p) : undefined;
  };
  const repoOf = (file: string): { rules: Record<string, SeveritySetting>; excluded: boolean } | undefined => {
    try {
      const r = host.repoConfig?.(file);
      for (const m of r?.problems ?? []) logOnce(`config:${m}`, m);
      return r;
    } catch (e) {
      logOnce(`config:${file}`, `cannot read the .dma-scope.json of ${file}: ${(e as Error)?.message ?? e}`);
      return undefined;
    }
  };
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const running = new Map<string, Promise<void>>();
  const skipped = new Map<string, string>();
  /** why (or that) a document version is not analysed, as last decided */
  const verdicts = new Map<string, { version: number; why: string | undefined }>();
  const reported = new Set<string>();
  let settings: DmaScopeSettings = parseSettings(undefined);
  let initSettings: unknown;
  let canPullConfig = false;
  let canShowDocument = false;
  let canWorkDoneProgress = false;
  let roots: string[] = [];
  /** the first checks wait for the client's settings (at most 2 s: a client may never answer) */
  let settingsReady: Promise<unknown> = Promise.resolve();

  const logOnce = (key: string, message: string): void => {
    if (reported.has(key)) return;
    reported.add(key);
    connection.console.warn(`DMA Scope: ${message}`);
  };

  /** window/showMessage (a notification: nothing waits for the user) */
  const notify = (message: string): void => {
    void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Info, message }).catch(() => undefined);
  };

  /** a document's path for dmaScope.exclude: a file: URI's, or (in hosts that check every scheme) the URI's path */
  const docPath = (uri: string): string | undefined => {
    const p = uriPath(uri);
    if (p || !host.anyScheme || schemeOf(uri) === 'untitled') return p;
    try {
      return decodeURIComponent(new URL(uri).pathname) || undefined;
    } catch {
      return undefined;
    }
  };
  const relPath = (uri: string): string | undefined => {
    const p = docPath(uri);
    if (!p) return undefined;
    for (const r of roots) if (p.startsWith(r.endsWith('/') ? r : r + '/')) return p.slice(r.length).replace(/^\/+/, '');
    return p;
  };

  /** Why a document is not analysed (logged once per document and reason), or undefined. */
  const whySkip = (doc: TextDocument): string | undefined => {
    const scheme = schemeOf(doc.uri);
    if (!host.anyScheme && scheme !== 'file' && scheme !== 'untitled') return `unsupported URI scheme '${scheme || '(none)'}:' (only file: and untitled: documents are checked)`;
    const text = doc.getText();
    const why = skipReason(text, settings.maxFileSize);
    if (why) return why;
    const p = docPath(doc.uri);
    if (p && isExcluded(settings.exclude, relPath(doc.uri) ?? p, p)) return 'excluded by dmaScope.exclude';
    if (repoFor(doc.uri)?.excluded) return 'excluded by .dma-scope.json';
    return undefined;
  };

  /** when a document was last opened or changed: the background index waits for QUIET_MS of quiet */
  let lastActivity = 0;
  const QUIET_MS = 500;
  /** per-file diagnostics last published for an open document; the driver findings are added to them */
  const fileDiags = new Map<string, { version: number; diagnostics: Diagnostic[] }>();
  /** the open document at an absolute path */
  /** a document's path for its folder's driver index: a file: URI's, or in a host reading files through the client, the URI's path */
  const indexPath = (uri: string): string | undefined => uriPath(uri) ?? (clientFiles.isEnabled ? docPath(uri) : undefined);
  const openUriOf = (file: string): string | undefined => documents.all().find((d) => indexPath(d.uri) === file)?.uri;
  const uriOfPath = (file: string): string => host.fileUri?.(file) ?? clientFiles.uriOf(file) ?? file;
  const driverDiagnostic = (f: DriverFinding): Diagnostic => ({
    range: { start: { line: f.line - 1, character: f.column - 1 }, end: { line: f.endLine - 1, character: f.endColumn - 1 } },
    severity: severityOf(f.severity),
    code: f.rule,
    codeDescription: { href: ruleHref(f.rule) },
    source: DIAGNOSTIC_SOURCE,
    message: f.message,
    relatedInformation: f.related.map((r) => ({
      location: { uri: openUriOf(r.file) ?? uriOfPath(r.file), range: { start: { line: r.line - 1, character: r.column - 1 }, end: { line: r.line - 1, character: r.column - 1 } } },
      message: r.message,
    })),
  });
  /** publishes a document's per-file diagnostics with the driver findings of its file (once its folder is indexed) */
  const publish = async (uri: string, onlyIfDriverChanged = false): Promise<void> => {
    const d = fileDiags.get(uri);
    const file = indexPath(uri);
    if (!d) return;
    const driver = indexing && file ? indexing.findingsFor(file).map(driverDiagnostic) : [];
    const sig = JSON.stringify(driver);
    if (onlyIfDriverChanged && (driverSent.get(uri) ?? '[]') === sig) return;
    driverSent.set(uri, sig);
    await connection.sendDiagnostics({ uri, version: d.version, diagnostics: [...d.diagnostics, ...driver] });
  };
  /** the driver diagnostics last published with a document's */
  const driverSent = new Map<string, string>();
  /** the host's heap trim once no check is pending or running for a while after work */
  const idleTrim = host.trimIdleHeap ? new IdleTrim(() => host.trimIdleHeap!(), () => timers.size > 0 || running.size > 0) : undefined;

  // the host lists and reads the folder's files, or (the web worker) the client does it for it
  const indexing = (host.listFolderFiles && host.readFile) || host.anyScheme
    ? new DriverIndexing(adapter, {
      listFolderFiles: (folder, limit) => (host.listFolderFiles ? host.listFolderFiles(folder, limit) : clientFiles.listFolderFiles(folder, limit)),
      readFile: (file) => (host.readFile ? host.readFile(file) : clientFiles.readIndexed(file)),
      readMakefile: (folder: string) => (host.readMakefile ? host.readMakefile(folder) : clientFiles.readMakefile(folder)),
      openText: (file) => {
        const uri = openUriOf(file);
        return uri ? documents.get(uri)?.getText() : undefined;
      },
      severitiesFor: (file) => severitiesFor(uriOfPath(file)),
      changed: (folder) => {
        // a folder's index was built (in the server's quiet time): its garbage is the idle trim's to collect
        idleTrim?.poke();
        for (const uri of fileDiags.keys()) {
          const p = indexPath(uri);
          if (p && indexing?.folderOf(p) === folder) void publish(uri, true).catch(() => undefined);
        }
      },
      note: (m) => logOnce(`index:${m}`, m),
      busy: () => timers.size > 0 || running.size > 0 || Date.now() - lastActivity < QUIET_MS,
    })
    : undefined;

  const toDiagnostic = (doc: TextDocument, f: Finding): Diagnostic => ({
    range: { start: doc.positionAt(f.start), end: doc.positionAt(f.end) },
    severity: severityOf(f.severity),
    code: f.rule,
    codeDescription: { href: ruleHref(f.rule) },
    source: DIAGNOSTIC_SOURCE,
    message: f.message,
    relatedInformation: f.related.map((r) => ({ location: { uri: doc.uri, range: { start: doc.positionAt(r.start), end: doc.positionAt(r.end) } }, message: r.message })),
  });

  /** the workspace folder (path) holding a document path, the innermost */
  const rootOf = (p: string): string | undefined => roots.filter((r) => p === r || p.startsWith(r.endsWith('/') ? r : r + '/')).sort((a, b) => b.length - a.length)[0];

  /** What the check reads through the client: the repository configuration and the driver's own headers. */
  const fetchThroughClient = async (uri: string): Promise<void> => {
    const first = documents.get(uri);
    const p = docPath(uri);
    if (!first || !isCDocument(first) || !p) return;
    const [repo] = await Promise.all([clientFiles.repoConfig(uri, rootOf(p)), clientFiles.fetchHeaders(uri, first.getText())]);
    if (repo) {
      for (const m of repo.problems) logOnce(`config:${m}`, m);
      clientRepo.set(uri, repo);
    } else clientRepo.delete(uri);
  };

  const check = async (uri: string): Promise<void> => {
    await settingsReady;
    if (clientFiles.isEnabled) await fetchThroughClient(uri);
    const doc = documents.get(uri);
    if (!doc || !isCDocument(doc)) return;
    const why = whySkip(doc);
    verdicts.set(uri, { version: doc.version, why });
    if (why) {
      if (skipped.get(uri) !== why) {
        skipped.set(uri, why);
        connection.console.info(`DMA Scope: skipped ${uri}: ${why}`);
      }
      adapter.close(uri);
      fileDiags.delete(uri);
      void connection.sendDiagnostics({ uri, diagnostics: [] });
      return;
    }
    skipped.delete(uri);
    if (!adapter.isOpen(uri)) adapter.open(uri, doc.getText(), doc.version);
    else adapter.update(uri, doc.getText(), doc.version);
    try {
      const docFile = indexPath(uri);
      // the driver records of a file whose folder is not being indexed yet are left to the index's build
      // (it reads open documents' text): the first diagnostics come sooner
      const records = !!indexing && !!docFile && indexing.isIndexing(docFile);
      const r = await adapter.diagnostics(uri, { severities: severitiesFor(uri), file: relPath(uri), headerPath: docFile, records });
      // closed, or edited while we waited for the parser: a newer run publishes
      const now = documents.get(uri);
      if (!r || !now || now.version !== r.version) return;
      for (const e of r.errors) logOnce(e.rule ? `rule:${e.rule}` : `check:${uri}:${e.message}`, `${relPath(uri) ?? uri}: ${e.message}${e.rule ? ` [${e.rule}]` : ''}`);
      fileDiags.set(uri, { version: r.version, diagnostics: r.findings.map((f) => toDiagnostic(now, f)) });
      await publish(uri);
      // the folder's driver index: built in the background on first use, this file's records kept current
      if (indexing && docFile) {
        await indexing.fileChecked(r.records, docFile);
        indexing.ensure(docFile);
      }
    } catch (e) {
      logOnce(`diag:${uri}`, `could not check ${uri}: ${(e as Error)?.message ?? e}`);
      adapter.close(uri);
    }
  };

  /** Runs the check now (serialised per document) and resolves when it has published. */
  const runNow = (uri: string): Promise<void> => {
    const t = timers.get(uri);
    if (t) clearTimeout(t);
    timers.delete(uri);
    const prev = running.get(uri) ?? Promise.resolve();
    const p = prev.then(() => check(uri));
    running.set(uri, p);
    void p.finally(() => {
      if (running.get(uri) === p) running.delete(uri);
      idleTrim?.poke();
    });
    return p;
  };

  const schedule = (uri: string, delay: number): void => {
    const old = timers.get(uri);
    if (old) clearTimeout(old);
    timers.set(uri, setTimeout(() => void runNow(uri), delay));
  };

  /** The document's findings are current (pending debounced run done now). */
  const settle = async (uri: string): Promise<void> => {
    if (timers.has(uri)) await runNow(uri);
    else await running.get(uri);
  };

  /** Reads the settings; true when they changed. */
  const loadSettings = async (): Promise<boolean> => {
    let raw: unknown = initSettings;
    if (canPullConfig) {
      try {
        const [v] = await connection.workspace.getConfiguration([{ section: 'dmaScope' }]);
        if (v !== null && typeof v === 'object') raw = v;
      } catch (e) {
        logOnce('config', `workspace/configuration failed: ${(e as Error)?.message ?? e}`);
      }
    }
    const next = parseSettings(raw);
    const changed = JSON.stringify(next) !== JSON.stringify(settings);
    settings = next;
    return changed;
  };

  const recheckAll = (): void => {
    verdicts.clear();
    for (const d of documents.all()) if (isCDocument(d)) schedule(d.uri, 0);
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const caps = params.capabilities;
    canPullConfig = !!caps.workspace?.configuration;
    canShowDocument = !!caps.window?.showDocument?.support;
    canWorkDoneProgress = !!caps.window?.workDoneProgress;
    const io = params.initializationOptions as Record<string, unknown> | null | undefined;
    // the VS Code extension runs the replay in its own panel: it registers dmaScope.replayLifecycle
    // itself (a server-side command of that name would clash with it) and gets the lenses only
    const clientOwnsReplay = !!io && typeof io === 'object' && io.clientOwnsReplay === true;
    commandRuleLinks = !!io && typeof io === 'object' && io.ruleLinks === 'command';
    // a client that serves dmaScope/readFile, to a host that cannot read files itself
    clientFiles.enable(!host.repoConfig && !!io && typeof io === 'object' && io.readFiles === true);
    initSettings = io && typeof io === 'object' ? (io.dmaScope ?? (io.settings as Record<string, unknown> | undefined)?.dmaScope) : undefined;
    settings = parseSettings(initSettings);
    const folders = (params.workspaceFolders ?? []).map((f) => docPath(f.uri)).filter((p): p is string => !!p);
    const root = params.rootUri ? docPath(params.rootUri) : undefined;
    roots = [...folders, ...(root ? [root] : [])];
    host.initialize?.(params);
    // load the parser while the client finishes its handshake
    void adapter.warmUp().catch((e) => logOnce('wasm', `cannot load the C parser: ${(e as Error)?.message ?? e}`));
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        codeLensProvider: { resolveProvider: false },
        executeCommandProvider: { commands: clientOwnsReplay ? [CHECK_WORKSPACE_COMMAND] : [REPLAY_COMMAND, CHECK_WORKSPACE_COMMAND] },
      },
      serverInfo: { name: 'dma-scope' },
    };
  });

  connection.onInitialized(() => {
    const loaded = loadSettings();
    settingsReady = Promise.race([loaded, new Promise((r) => setTimeout(r, 2000))]);
    void loaded.then((changed) => changed && recheckAll());
  });

  connection.onDidChangeConfiguration((p) => {
    const s = (p.settings as Record<string, unknown> | null | undefined)?.dmaScope;
    if (!canPullConfig && s !== undefined) initSettings = s;
    void loadSettings().then((changed) => changed && recheckAll());
  });

  documents.onDidChangeContent((e) => {
    if (!isCDocument(e.document)) return;
    lastActivity = Date.now();
    const first = !adapter.isOpen(e.document.uri) && !skipped.has(e.document.uri);
    if (adapter.isOpen(e.document.uri)) adapter.update(e.document.uri, e.document.getText(), e.document.version);
    schedule(e.document.uri, first ? 0 : DEBOUNCE_MS);
  });

  documents.onDidClose((e) => {
    const uri = e.document.uri;
    const t = timers.get(uri);
    if (t) clearTimeout(t);
    timers.delete(uri);
    skipped.delete(uri);
    verdicts.delete(uri);
    clientRepo.delete(uri);
    fileDiags.delete(uri);
    driverSent.delete(uri);
    adapter.close(uri);
    void connection.sendDiagnostics({ uri, diagnostics: [] });
    idleTrim?.poke();
  });

  /**
   * An open, analysable document for a request, or undefined. Whether it is skipped is decided once per
   * document version (the check decides it too): hovers do not walk up the folders for .dma-scope.json.
   */
  const requestDoc = (uri: string): TextDocument | undefined => {
    const doc = documents.get(uri);
    if (!doc || !isCDocument(doc) || skipped.has(uri)) return undefined;
    let v = verdicts.get(uri);
    if (!v || v.version !== doc.version) verdicts.set(uri, (v = { version: doc.version, why: whySkip(doc) }));
    if (v.why) return undefined;
    if (!adapter.isOpen(uri)) adapter.open(uri, doc.getText(), doc.version);
    return doc;
  };

  connection.onHover(async (p, token: CancellationToken) => {
    await yieldToLoop();
    if (token.isCancellationRequested) return cancelled();
    const doc = requestDoc(p.textDocument.uri);
    if (!doc) return null;
    try {
      const h = await adapter.hover(doc.uri, doc.offsetAt(p.position), ruleHref);
      if (!h) return null;
      return { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: { start: doc.positionAt(h.start), end: doc.positionAt(h.end) } };
    } catch (e) {
      logOnce(`hover:${doc.uri}`, `hover failed in ${doc.uri}: ${(e as Error)?.message ?? e}`);
      return null;
    }
  });

  /** The fixes of a driver finding at this range of the document (its folder's index is ready and the text there is unchanged). */
  const driverFixes = (doc: TextDocument, rule: string, start: number, end: number): QuickFix[] => {
    const file = indexPath(doc.uri);
    if (!file || !indexing) return [];
    const text = doc.getText();
    return indexing.findingsFor(file)
      .filter((f) => f.rule === rule && f.start === start && f.end === end && f.fixes?.every((x) => x.edits.every((e) => e.end <= text.length)))
      .flatMap((f) => (f.fixes ?? []).map((x) => ({ ...x, preferred: true })));
  };

  connection.onCodeAction(async (p, token) => {
    await yieldToLoop();
    if (token.isCancellationRequested) return cancelled();
    const doc = requestDoc(p.textDocument.uri);
    if (!doc) return [];
    if (p.context.only && !p.context.only.some((k) => k === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(k + '.'))) return [];
    await settle(doc.uri);
    if (token.isCancellationRequested) return cancelled();
    const cur = documents.get(doc.uri) ?? doc;
    const out: CodeAction[] = [];
    for (const d of p.context.diagnostics ?? []) {
      if (d.source !== DIAGNOSTIC_SOURCE || typeof d.code !== 'string') continue;
      const start = cur.offsetAt(d.range.start);
      const end = cur.offsetAt(d.range.end);
      for (const fix of [...driverFixes(cur, d.code, start, end), ...adapter.quickFixes(cur.uri, { rule: d.code, start, end })]) {
        const edits: TextEdit[] = fix.edits.map((e) => ({ range: { start: cur.positionAt(e.start), end: cur.positionAt(e.end) }, newText: e.text }));
        out.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: fix.preferred || undefined, edit: { changes: { [cur.uri]: edits } } });
      }
    }
    return out;
  });

  connection.onCodeLens(async (p, token) => {
    await yieldToLoop();
    if (token.isCancellationRequested) return cancelled();
    const doc = requestDoc(p.textDocument.uri);
    if (!doc) return [];
    try {
      const targets = await adapter.lensTargets(doc.uri);
      return targets.map((t): CodeLens => {
        const pos = doc.positionAt(t.offset);
        return { range: { start: pos, end: pos }, command: { title: 'Replay lifecycle', command: REPLAY_COMMAND, arguments: [doc.uri, t.offset] } };
      });
    } catch (e) {
      logOnce(`lens:${doc.uri}`, `code lens failed in ${doc.uri}: ${(e as Error)?.message ?? e}`);
      return [];
    }
  });

  const checkWorkspace = (token: CancellationToken, attached: WorkDoneProgressReporter): Promise<WorkspaceCheckResult> =>
    checkWorkspaceFiles({ connection, host, adapter, documents, roots, settings, canWorkDoneProgress, relPath, severitiesFor, logOnce, toDiagnostic, driverDiagnostic }, token, attached);

  /**
   * The driver's other files where the buffer at an offset of a document may go on: those the folder's
   * driver index has records of its members in, once the index is ready (only they are read and parsed),
   * else the bounded search of the folder's .c files. None when the host cannot read files.
   */
  const driverCandidates = async (uri: string, offset: number): Promise<{ candidates: LifecycleCandidate[]; searched?: { by: 'driver index' | 'folder'; files: string[] } }> => {
    const file = uriPath(uri);
    if (!file || !host.driverSources) return { candidates: [] };
    const folder = indexing?.folderOf(file) ?? folderOfPath(file);
    let only: string[] | undefined;
    try {
      only = indexing?.isReady(folder) ? await adapter.stitchFiles(uri, offset, folder, file) : undefined;
    } catch (e) {
      logOnce(`stitch-index:${folder}`, `the driver index of ${folder} could not say where the buffer goes on: ${(e as Error)?.message ?? e}`);
    }
    try {
      const found = await host.driverSources(file, { only, openText: (f) => { const u = openUriOf(f); return u ? documents.get(u)?.getText() : undefined; } });
      if (found.skipped) logOnce(`stitch-skipped:${folder}:${found.skipped}`, `${found.skipped} other .c file${found.skipped > 1 ? 's' : ''} of ${folder} not searched for the lifecycle replay (more than ${MAX_DRIVER_FILES} files or ${MAX_DRIVER_CHARS >> 20} MB, or unreadable)`);
      return {
        candidates: found.files.map((f) => ({ file: f.name, text: f.text, headers: f.headers })),
        searched: { by: only ? 'driver index' : 'folder', files: found.files.map((f) => f.name) },
      };
    } catch (e) {
      logOnce(`stitch:${folder}`, `cannot read the other files of ${folder} for the lifecycle replay: ${(e as Error)?.message ?? e}`);
      return { candidates: [] };
    }
  };

  connection.onExecuteCommand(async (p, token, workDone) => {
    if (p.command === CHECK_WORKSPACE_COMMAND) return checkWorkspace(token, workDone);
    if (p.command !== REPLAY_COMMAND) throw new ResponseError(LSPErrorCodes.RequestFailed, `unknown command ${p.command}`);
    const [uri, offset] = p.arguments ?? [];
    if (typeof uri !== 'string' || typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
      throw new ResponseError(LSPErrorCodes.RequestFailed, `${REPLAY_COMMAND} expects [documentUri, offset]`);
    }
    const doc = requestDoc(uri);
    if (!doc) throw new ResponseError(LSPErrorCodes.RequestFailed, `${uri} is not an open C document DMA Scope checks`);
    const headers = host.readHeaders ? await host.readHeaders(uri, doc.getText()).catch(() => []) : [];
    const { candidates, searched } = await driverCandidates(uri, offset);
    let r: { trace: string; title: string; stitched?: StitchedFunction[] };
    try {
      r = await adapter.lifecycle(uri, offset, { file: uriPath(uri)?.split('/').pop() ?? uri.split('/').pop(), headers, candidates });
    } catch (e) {
      const message = (e as Error)?.message ?? String(e);
      notify(`DMA Scope: ${message}`);
      throw new ResponseError(LSPErrorCodes.RequestFailed, message);
    }
    const platform = settings.platform && isPlatformId(settings.platform) ? settings.platform : DEFAULT_PLATFORM;
    const out = { title: r.title, trace: r.trace, ...(r.stitched ? { stitched: r.stitched } : {}), ...(searched ? { searched } : {}) };
    if (!host.writeReplay) return out;
    const page = await host.writeReplay({ uri, line: doc.positionAt(offset).line + 1, trace: r.trace, title: r.title, platform });
    if (canShowDocument) void connection.window.showDocument({ uri: page, external: true }).catch(() => undefined);
    else notify(`DMA Scope: lifecycle replay written to ${page}`);
    return { ...out, page };
  });

  connection.onRequest(MEMORY_REQUEST, (p: MemoryParams | null | undefined): MemoryResult => ({
    process: host.processMemory?.({ gc: p?.gc === true, ...(typeof p?.heapSnapshotDir === 'string' ? { heapSnapshotDir: p.heapSnapshotDir } : {}) }),
    session: adapter.memory(),
    server: { openDocuments: documents.all().length, indexedFolders: indexing?.folderCount ?? 0, indexingPending: indexing?.pendingCount ?? 0 },
  }));

  connection.onShutdown(() => {
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    indexing?.dispose();
    idleTrim?.dispose();
    adapter.dispose();
  });

  documents.listen(connection);
  connection.listen();
  return { adapter };
}
