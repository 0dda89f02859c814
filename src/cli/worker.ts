/** Worker thread for `dma-scope check --jobs N`: checks the files it is sent, one message per file. */
import { parentPort, workerData } from 'worker_threads';
import { checkOneFile, nodeSession, BatchOptions } from '../node/checkFiles';
import type { AnalysisSession } from '../analysis/session';

const { cwd } = workerData as { cwd: string };
/** This worker's analysis session (created with the first file that needs parsing). */
let session: Promise<AnalysisSession> | undefined;

parentPort?.on('message', async (msg: { file?: string; opts?: BatchOptions; done?: boolean }) => {
  if (msg.done) {
    process.exit(0);
  }
  if (!msg.file) return;
  try {
    const r = await checkOneFile(msg.file, cwd, msg.opts ?? {}, () => (session ??= nodeSession()));
    parentPort!.postMessage(r);
  } catch (e) {
    parentPort!.postMessage({ file: msg.file, findings: [], errors: [{ file: msg.file, message: (e as Error).message }], ms: 0 });
  }
});
