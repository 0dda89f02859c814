/** Headers without a build: include extraction and resolution, header facts, the multi-file driver fixture, bounds and bad input. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AnalysisSession } from '../../src/analysis/session';
import { readWasm } from '../../src/node/wasm';
import { nodeHeaderHost, posixAbsolute } from '../../src/node/headerHost';
import { normalize, join, dirname } from '../../src/analysis/headers/posixPath';
import { extractIncludes, extractDefines, dmaMacro } from '../../src/analysis/headers/extract';
import { collectHeaders, kernelRoot, DEFAULT_HEADER_LIMITS, type HeaderState } from '../../src/analysis/headers/collect';
import { DefineTable, foldWithDefines } from '../../src/analysis/headers/defines';
import { withHeaders, membersAssignedRam } from '../../src/analysis/headers/merge';
import type { HeaderFacts, HeaderHost } from '../../src/analysis/headers/types';
import { BoundedCache } from '../../src/analysis/boundedCache';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/args';
import { FIXTURES, testParser } from '../helpers';

const KERNEL = path.join(FIXTURES, 'headers', 'kernel');
const DRIVER = path.join(KERNEL, 'drivers', 'net', 'ringdemo');

/** An in-memory file tree: path → text; folders exist when some file is under them. */
function memoryHost(files: Record<string, string>): HeaderHost & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readFile: (p) => {
      reads.push(p);
      return files[p];
    },
    exists: (p) => p in files || Object.keys(files).some((f) => f.startsWith(p + '/')),
    stat: (p) => (p in files ? { size: files[p].length, stamp: String(files[p].length) } : undefined),
  };
}

async function state(host: HeaderHost, limits = {}): Promise<HeaderState> {
  return {
    host,
    parser: await testParser(),
    facts: new BoundedCache<HeaderFacts>(1 << 20),
    stamps: new BoundedCache(1 << 20),
    roots: new BoundedCache(1 << 16),
    limits: { ...DEFAULT_HEADER_LIMITS, ...limits },
  };
}

describe('headers: posix paths', () => {
  it('normalises, joins and takes folders like path.posix', () => {
    assert.strictEqual(normalize('/a/b/../c/./d//e'), '/a/c/d/e');
    assert.strictEqual(normalize('a/../../b'), '../b');
    assert.strictEqual(normalize('/..'), '/');
    assert.strictEqual(join('/k/drivers/net', '../../include', 'linux/x.h'), '/k/include/linux/x.h');
    assert.strictEqual(join('/k', '/abs/y.h'), '/abs/y.h');
    assert.strictEqual(dirname('/k/a.c'), '/k');
    assert.strictEqual(dirname('/a.c'), '/');
    assert.strictEqual(dirname('a.c'), '.');
  });
});

describe('headers: directives', () => {
  it('extracts quoted and angle includes with their lines, not those in comments', () => {
    const t = '#include <linux/dma-mapping.h>\n/* #include "old.h"\n#include "older.h" */\n  #  include "foo.h" // local\n#include_next <x.h>\n';
    assert.deepStrictEqual(extractIncludes(t), [
      { path: 'linux/dma-mapping.h', system: true, line: 1 },
      { path: 'foo.h', system: false, line: 4 },
    ]);
  });

  it('reads object-like defines (continuations, comments) and drops names defined two ways', () => {
    const { defines } = extractDefines('#define A 16 /* bytes */\n#define B (A * \\\n 4)\n#ifdef X\n#define C 1\n#else\n#define C 2\n#endif\n#define D 3\n#define D 3\n#define F(x) (x)\n');
    assert.deepStrictEqual([...defines], [['A', '16'], ['B', '(A *   4)'], ['D', '3']]);
    assert.strictEqual(foldWithDefines('B + 1', new DefineTable([defines])), 65);
    assert.strictEqual(foldWithDefines('C', new DefineTable([defines])), null);
    // the first table wins
    assert.strictEqual(new DefineTable([new Map([['A', '1']]), defines]).get('A'), '1');
  });

  it('takes a function-like macro whose body is one DMA call as a wrapper, nothing else', () => {
    const m = dmaMacro('foo_map', '(d, p, s)', '(dma_map_single((d)->dev, p, s, DMA_TO_DEVICE))');
    assert.deepStrictEqual(m, { name: 'foo_map', target: 'dma_map_single', params: ['d', 'p', 's'], args: [{ text: '(d)->dev' }, { param: 1 }, { param: 2 }, { text: 'DMA_TO_DEVICE' }] });
    assert.strictEqual(dmaMacro('foo_map', '(d, p)', 'dma_map_single(d, p, 4, DMA_TO_DEVICE) + 1'), null);
    assert.strictEqual(dmaMacro('foo_log', '(d)', 'dev_info(d, "x")'), null);
    assert.strictEqual(dmaMacro('foo_v', '(d, ...)', 'dma_map_single(d, __VA_ARGS__)'), null);
    // the catalogue's own names stay the catalogue's (dma-mapping.h defines dma_map_single as a macro)
    assert.strictEqual(dmaMacro('dma_map_single', '(d, a, s, r)', 'dma_map_single_attrs(d, a, s, r, 0)'), null);
  });
});

describe('headers: in the file summary', () => {
  const field = (name: string, iomem: boolean) => ({ name, array: true, pointer: true, aligned: false, iomem });
  const header: HeaderFacts = {
    includes: [], defines: new Map([['RING', '8']]), macros: [], bytes: 0, structNames: ['nic', 'own'], dmaApi: true,
    structs: [['nic', [field('bd_ring', true), field('regs', true)]], ['own', [field('x', false)]]],
    helpers: [{ name: 'nic_unmap', effects: [{ kind: 'unmap', param: 1, path: '->dma' }], returnsMapped: false }],
    checksParam: [['nic_map_failed', [1]]], dmaFunctions: ['nic_unmap'],
  };
  const empty = { checksParam: new Map(), predicateFields: new Set<string>(), dmaFunctions: new Set<string>(), structs: () => new Map([['own', [field('y', false)]]]) };

  it('adds header structs, helpers and defines as if defined in the file; the file’s own definitions win', () => {
    const s = withHeaders(empty, '#define RING 4\n', [header]);
    assert.deepStrictEqual(s.structs!().get('own')!.map((f) => f.name), ['y']);
    assert.ok(s.structs!().has('nic'));
    assert.ok(s.helpers!.has('nic_unmap') && s.dmaFunctions.has('nic_unmap'));
    assert.deepStrictEqual(s.checksParam.get('nic_map_failed'), [1]);
    assert.strictEqual(s.defines!.get('RING'), '4');
  });

  it('drops a header’s __iomem claim on a member the file fills from a RAM allocator', () => {
    const text = 'static int f(struct nic *n)\n{\n\tn->bd_ring[j] = kmalloc(len, GFP_KERNEL);\n\treturn 0;\n}\n';
    assert.deepStrictEqual([...membersAssignedRam(text)], ['bd_ring']);
    const fields = withHeaders(empty, text, [header]).structs!().get('nic')!;
    assert.deepStrictEqual(fields.map((f) => [f.name, f.iomem]), [['bd_ring', false], ['regs', true]]);
  });
});

describe('headers: the Node host of a batch run (stableTree)', () => {
  let dir = '';
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-host-')).split(path.sep).join('/');
    fs.mkdirSync(`${dir}/include/linux`, { recursive: true });
    fs.writeFileSync(`${dir}/include/linux/a.h`, '#define A 1\n');
    fs.writeFileSync(`${dir}/Kconfig`, '');
    if (process.platform !== 'win32') {
      fs.symlinkSync(`${dir}/include/linux/a.h`, `${dir}/include/linux/link.h`);
      fs.symlinkSync(`${dir}/include/linux/gone.h`, `${dir}/include/linux/dangling.h`);
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('answers exists and stat like the file system: files, folders, missing names and folders, symbolic links, . and ..', () => {
    const plain = nodeHeaderHost();
    const stable = nodeHeaderHost({ stableTree: true });
    const asked = ['include/linux/a.h', 'include/linux', 'include', 'Kconfig', 'include/linux/b.h', 'include/nope/a.h', 'include/linux/a.h/x',
      'include/linux/link.h', 'include/linux/dangling.h', 'include/linux/.', 'include/linux/..', 'include/linux/']
      .map((p) => `${dir}/${p}`);
    for (const p of [...asked, ...asked]) {
      assert.strictEqual(stable.exists(p), plain.exists(p), p);
      assert.deepStrictEqual(stable.stat!(p), plain.stat!(p), p);
    }
    assert.ok(stable.exists(`${dir}/include/linux/a.h`));
    assert.ok(!stable.exists(`${dir}/include/linux/b.h`));
    if (process.platform !== 'win32') assert.ok(stable.exists(`${dir}/include/linux/link.h`) && !stable.exists(`${dir}/include/linux/dangling.h`));
  });
});

describe('headers: resolution', () => {
  const tree = {
    '/k/Kconfig': '',
    '/k/include/linux/dma-mapping.h': '#define DMA_BIT_MASK(n) (((n) == 64) ? ~0ULL : ((1ULL<<(n))-1))\n#define KDEF 7\n#include <linux/deeper.h>\n',
    '/k/include/linux/deeper.h': '#define DEEPER 1\n',
    '/k/include/asm-generic/barrier.h': '#define GENERIC_BARRIER 1\n',
    '/k/arch/arm64/include/asm/barrier.h': '#define ARM64_BARRIER 1\n',
    '/k/drivers/x/a.h': '#include "b.h"\n#define A_LEN 64\nstruct a_ring { u32 head; u8 buf[A_LEN]; };\n',
    '/k/drivers/x/b.h': '#include "a.h"\n#define B_LEN 32\n',
    '/k/drivers/x/x.c': '#include <linux/dma-mapping.h>\n#include <asm/barrier.h>\n#include <linux/missing.h>\n#include "a.h"\nstatic struct a_ring ring;\n',
    '/ws/extra/ws.h': '#define WS 1\n',
  };

  it('finds the kernel root by walking up to include/linux and Kconfig', async () => {
    const st = await state(memoryHost(tree));
    assert.strictEqual(kernelRoot('/k/drivers/x', st), '/k');
    assert.strictEqual(kernelRoot('/ws/extra', st), null);
  });

  it('resolves <linux/…>, <asm/…> (asm-generic fallback for x86, the arch folder when configured) and quoted includes; counts misses and cycles', async () => {
    const st = await state(memoryHost(tree));
    const r = collectHeaders('/k/drivers/x/x.c', tree['/k/drivers/x/x.c'], {}, st);
    const names = r.headers.flatMap((h) => [...h.defines.keys()]);
    assert.deepStrictEqual(names, ['KDEF', 'GENERIC_BARRIER', 'A_LEN', 'B_LEN']);
    // a <…> header's own includes are not followed (one level)
    assert.ok(!names.includes('DEEPER'));
    assert.strictEqual(r.stats.unresolved, 1);
    assert.strictEqual(r.stats.cycles, 1);
    assert.strictEqual(r.stats.resolved, 4);
    // the quoted header defining a struct the file names is parsed: its struct layout is there
    assert.deepStrictEqual(r.headers[2].structs?.map(([n, f]) => [n, f.map((x) => x.name)]), [['a_ring', ['head', 'buf']]]);
    // a file that names none of its structs reads only its directives
    const plain = collectHeaders('/k/drivers/x/y.c', '#include "a.h"\n', {}, await state(memoryHost(tree)));
    assert.strictEqual(plain.headers[0].structs, undefined);
    assert.ok(plain.headers[0].defines.has('A_LEN'));
    const arm = collectHeaders('/k/drivers/x/x.c', tree['/k/drivers/x/x.c'], { arch: 'arm64' }, st);
    assert.ok(arm.headers.some((h) => h.defines.has('ARM64_BARRIER')));
  });

  it('searches exactly kbuild -I folders when given, reads -include files first, then the workspace roots', async () => {
    const st = await state(memoryHost(tree));
    const text = '#include <linux/dma-mapping.h>\n#include <asm/barrier.h>\n#include <ws.h>\n';
    const r = collectHeaders('/k/drivers/x/x.c', text, { includePaths: ['arch/arm64/include', 'include'], forcedIncludes: ['include/linux/deeper.h'], includeRoots: ['/ws/extra'] }, st);
    assert.deepStrictEqual(r.headers.flatMap((h) => [...h.defines.keys()]), ['DEEPER', 'KDEF', 'ARM64_BARRIER', 'WS']);
  });

  it('adds the -I folders of the Makefiles from the file up to the root ($(src), $(srctree)), after the kernel folders', async () => {
    const files: Record<string, string> = {
      '/k/Kconfig': '',
      '/k/include/linux/types.h': '#define KT 1\n',
      '/k/drivers/m/core/Makefile': 'obj-y += en/x.o\nsubdir-ccflags-y += -I$(src)\n',
      '/k/drivers/m/core/en/Makefile': 'ccflags-y += -I$(srctree)/drivers/m/af -I/usr/include\nCFLAGS_x.o := -I$(FOO)/bar\n',
      '/k/drivers/m/core/en.h': '#define EN 1\n',
      '/k/drivers/m/af/mbox.h': '#define MBOX 1\n',
      '/k/drivers/m/core/en/x.c': '#include "en.h"\n#include <mbox.h>\n#include <linux/types.h>\n',
    };
    const st = await state(memoryHost(files));
    st.makeDirs = new BoundedCache(1 << 16);
    const r = collectHeaders('/k/drivers/m/core/en/x.c', files['/k/drivers/m/core/en/x.c'], {}, st);
    assert.deepStrictEqual(r.headers.flatMap((h) => [...h.defines.keys()]), ['EN', 'MBOX', 'KT']);
    assert.strictEqual(r.stats.unresolved, 0);
    // with an exact kbuild -I list that lacks them, neither driver header is found
    const bare = collectHeaders('/k/drivers/m/core/en/x.c', files['/k/drivers/m/core/en/x.c'], { includePaths: ['include'] }, await state(memoryHost(files)));
    assert.strictEqual(bare.stats.unresolved, 2);
    assert.deepStrictEqual(bare.stats.missing, ['"en.h"', '<mbox.h>']);
  });

  it('bounds depth, header size and total bytes with a note, and serves unchanged headers from the cache', async () => {
    const files: Record<string, string> = { '/d/x.c': '#include "h0.h"\n#include "big.h"\n', '/d/big.h': '#define BIG 1\n' + 'x'.repeat(5000) };
    for (let i = 0; i < 10; i++) files[`/d/h${i}.h`] = `#include "h${i + 1}.h"\n#define H${i} ${i}\n`;
    const host = memoryHost(files);
    const st = await state(host, { maxDepth: 3, maxHeaderBytes: 4096 });
    const r = collectHeaders('/d/x.c', files['/d/x.c'], {}, st);
    assert.deepStrictEqual(r.headers.flatMap((h) => [...h.defines.keys()]), ['H0', 'H1', 'H2']);
    assert.strictEqual(r.stats.depthLimited, 1);
    assert.strictEqual(r.stats.huge, 1);
    assert.ok(r.stats.notes.some((n) => /big\.h: \d+ bytes is over the 4096-byte header limit/.test(n)));
    assert.ok(!host.reads.includes('/d/big.h'), 'a huge header is skipped unread');
    const reads = host.reads.length;
    const again = collectHeaders('/d/x.c', files['/d/x.c'], {}, st);
    assert.strictEqual(again.stats.cached, 3);
    assert.strictEqual(host.reads.length, reads, 'unchanged headers are not read again');
    const tight = collectHeaders('/d/x.c', files['/d/x.c'], {}, await state(host, { maxTotalBytes: 20 }));
    assert.strictEqual(tight.headers.length, 1);
    assert.ok(tight.stats.bytesLimited >= 1);
  });
});

describe('headers: a multi-file driver (test/fixtures/headers)', () => {
  let session: AnalysisSession;
  before(async () => {
    session = await AnalysisSession.create(readWasm(), { headerHost: nodeHeaderHost() });
  });
  after(() => session.dispose());

  const check = (name: string, headers = true): string[] => {
    const file = path.join(DRIVER, name);
    const r = session.check(fs.readFileSync(file, 'utf8'), { file: `drivers/net/ringdemo/${name}`, headerPath: posixAbsolute(file, process.cwd()), headers });
    assert.deepStrictEqual(r.errors, []);
    return r.findings.map((f) => `${f.rule} ${f.line}:${f.column}`);
  };

  it('flags the lines whose mistake only the header shows: a header struct, a header #define, a wrapper macro, an inline helper', () => {
    assert.deepStrictEqual(check('ringdemo_main.c'), [
      'map-error-unchecked 10:12',
      'cacheline-share 18:41',
      'unmap-size-mismatch 33:29',
      'refill-without-sync 44:2',
    ]);
    const st = session.lastHeaderStats;
    assert.strictEqual(st.unresolved, 1); // <linux/not_in_this_tree.h>
    assert.strictEqual(st.cycles, 1); // ringdemo_hw.h includes ringdemo.h back
    assert.strictEqual(st.resolved, 3);
  });

  it('finds none of them without the headers (the file is analysed as before)', () => {
    assert.deepStrictEqual(check('ringdemo_main.c', false), []);
  });

  it('stays silent on the clean twin (an alias #define of the same size is the same size)', () => {
    assert.deepStrictEqual(check('ringdemo_clean.c'), []);
    // without the header the two size names look different
    assert.deepStrictEqual(check('ringdemo_clean.c', false), ['unmap-size-mismatch 33:29']);
  });

  it('offers no fix that would edit inside a wrapper-macro call', () => {
    const file = path.join(DRIVER, 'ringdemo_main.c');
    const r = session.check(fs.readFileSync(file, 'utf8'), { file: 'ringdemo_main.c', headerPath: posixAbsolute(file, process.cwd()) });
    const f = r.findings.find((x) => x.rule === 'map-error-unchecked')!;
    // the check inserted after the statement is fine; nothing rewrites the macro's arguments
    for (const fix of f.fixes ?? []) for (const e of fix.edits) assert.ok(e.start >= f.end || e.end <= f.start);
  });

  it('never crashes on a host that throws or a file with no path: the file is analysed as without headers', async () => {
    const bad = await AnalysisSession.create(readWasm(), {
      headerHost: { readFile: () => { throw new Error('disk on fire'); }, exists: () => true },
    });
    try {
      const file = path.join(DRIVER, 'ringdemo_main.c');
      const text = fs.readFileSync(file, 'utf8');
      const r = bad.check(text, { file: posixAbsolute(file, process.cwd()) });
      assert.deepStrictEqual(r.errors, []);
      assert.deepStrictEqual(r.findings, []);
      assert.ok(bad.lastHeaderStats.notes.some((n) => n.includes('disk on fire')));
      assert.deepStrictEqual(bad.check(text).errors, []);
    } finally {
      bad.dispose();
    }
  });

  it('the CLI reads headers, prints resolution counts under --debug, and --no-headers turns them off', async () => {
    const mk = (): CliIO & { stdout: string; stderr: string } => {
      // stdout: the finding lines (the text format's closing "Rule pages:" list is left out)
      let raw = '';
      const o = { get stdout() { return raw.split('\nRule pages:\n')[0]; }, stderr: '', errIsTTY: false, cwd: KERNEL, out(t: string) { raw += t; }, err(t: string) { o.stderr += t; }, readStdin: async () => '' };
      return o;
    };
    const a = mk();
    assert.strictEqual(await main(['check', '--jobs', '1', '--debug', 'drivers/net/ringdemo'], a), 1);
    assert.deepStrictEqual(a.stdout.trim().split('\n').map((l) => /^(\S+?:\d+:\d+):.*\[(.+)\]$/.exec(l)!.slice(1).join(' ')), [
      'drivers/net/ringdemo/ringdemo_main.c:10:12 map-error-unchecked',
      'drivers/net/ringdemo/ringdemo_main.c:18:41 cacheline-share',
      'drivers/net/ringdemo/ringdemo_main.c:33:29 unmap-size-mismatch',
      'drivers/net/ringdemo/ringdemo_main.c:44:2 refill-without-sync',
    ]);
    assert.match(a.stderr, /headers \(\d+ parsed files\): \d+ includes resolved, 1 unresolved \(skipped\)/);
    const b = mk();
    await main(['check', '--jobs', '1', '--no-headers', 'drivers/net/ringdemo/ringdemo_main.c'], b);
    assert.strictEqual(b.stdout, '');
  });
});
