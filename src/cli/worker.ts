/** Worker thread for `dma-scope check --jobs N`: checks the files it is sent, one message per file. */
import { parentPort, workerData } from 'worker_threads';
import { checkOneFile, BatchOptions } from '../node/checkFiles';

const { cwd } = workerData as { cwd: string };

parentPort?.on('message', async (msg: { file?: string; opts?: BatchOptions; done?: boolean }) => {
  if (msg.done) {
    process.exit(0);
  }
  if (!msg.file) return;
  try {
    const r = await checkOneFile(msg.file, cwd, msg.opts ?? {});
    parentPort!.postMessage(r);
  } catch (e) {
    parentPort!.postMessage({ file: msg.file, findings: [], errors: [{ file: msg.file, message: (e as Error).message }], ms: 0 });
  }
});
