import * as assert from 'assert';
import { panelHtml, parseHostMessage, parseWebviewMessage, revealMessage, MAX_TRACE_CHARS } from '../../src/model/panelProtocol';
import { parseTrace, simulate } from '../../src/model/sim';

describe('panel message protocol', () => {
  it('accepts the webview messages the host understands', () => {
    assert.deepStrictEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepStrictEqual(parseWebviewMessage({ type: 'reveal', line: 48 }), { type: 'reveal', line: 48 });
    assert.deepStrictEqual(parseWebviewMessage({ type: 'reveal', line: 3, file: 'drivers/net/foo.c' }), { type: 'reveal', line: 3, file: 'drivers/net/foo.c' });
    assert.deepStrictEqual(parseWebviewMessage({ type: 'platform', platform: 'cvm', extra: 1 }), { type: 'platform', platform: 'cvm' });
  });

  it('drops malformed webview messages', () => {
    const bad: unknown[] = [
      null, undefined, 'ready', 42, [], { type: 'nope' }, { type: 'reveal' }, { type: 'reveal', line: '48' }, { type: 'reveal', line: 0 },
      { type: 'reveal', line: 1.5 }, { type: 'reveal', line: 1e12 }, { type: 'reveal', line: 3, file: 7 }, { type: 'reveal', line: 3, file: '' },
      { type: 'reveal', line: 3, file: 'a\nb' }, { type: 'reveal', line: 3, file: 'x'.repeat(5000) }, { type: 'platform', platform: 'pdp11' },
      { type: 'platform' }, { type: 'platform', platform: '__proto__' },
    ];
    for (const m of bad) assert.strictEqual(parseWebviewMessage(m), undefined, JSON.stringify(m));
  });

  it('a step\'s src= becomes the reveal message the host accepts (file and line), none without src=', () => {
    const { trace, errors } = parseTrace('buffer b kmalloc 64  # src=40\ncpu_write b  # src=drivers/net/foo.c:58 fill\ncpu_read b\n');
    assert.deepStrictEqual(errors, []);
    const steps = simulate(trace, 'x86-direct').steps;
    const msgs = steps.map((s) => revealMessage(s.source));
    assert.deepStrictEqual(msgs, [{ type: 'reveal', line: 40 }, { type: 'reveal', line: 58, file: 'drivers/net/foo.c' }, undefined]);
    for (const m of msgs) if (m) assert.deepStrictEqual(parseWebviewMessage(JSON.parse(JSON.stringify(m))), m);
    // a location the host would refuse is not sent
    assert.strictEqual(revealMessage({ line: 0 }), undefined);
    assert.strictEqual(revealMessage({ file: 'x'.repeat(5000), line: 3 }), undefined);
  });

  it('validates host messages in the webview too', () => {
    assert.deepStrictEqual(parseHostMessage({ type: 'load', trace: 'cpu_read b', platform: 'x86-direct', title: 't', view: 'matrix' }), { type: 'load', trace: 'cpu_read b', platform: 'x86-direct', title: 't', view: 'matrix' });
    assert.strictEqual(parseHostMessage({ type: 'load', trace: 'x', platform: 'x86-direct' }), undefined);
    assert.strictEqual(parseHostMessage({ type: 'load', trace: 'x'.repeat(MAX_TRACE_CHARS + 1), platform: 'x86-direct', title: '' }), undefined);
    assert.strictEqual(parseHostMessage({ type: 'view', view: 'evil' }), undefined);
    assert.strictEqual((parseHostMessage({ type: 'load', trace: '', platform: 'cvm', title: 'x'.repeat(1000) }) as { title: string }).title.length, 300);
  });

  it('builds a page with a strict CSP and a nonce on its only script', () => {
    const html = panelHtml({ cspSource: 'https://res.example', nonce: 'abc123', scriptUri: 'https://res.example/panel.js', styleUri: 'https://res.example/panel.css?"<x>' });
    assert.match(html, /content="default-src 'none'; style-src https:\/\/res\.example; font-src https:\/\/res\.example; img-src https:\/\/res\.example; script-src 'nonce-abc123'"/);
    assert.strictEqual((html.match(/<script/g) ?? []).length, 1);
    assert.match(html, /<script nonce="abc123" src="https:\/\/res\.example\/panel\.js"><\/script>/);
    assert.ok(!html.includes('"<x>'), 'attribute values are escaped');
    assert.ok(!/unsafe-inline|unsafe-eval/.test(html));
  });
});
