import assert from 'node:assert/strict';
import { jsonText, markdownBlock, markdownCell, markdownCode, markdownText, plainLine, slackText } from '../../domain/escape.js';

describe('escaping per sink', function () {
  describe('Markdown', function () {
    const cases: [string, string][] = [
      ['plain words, 0.71 and a-b', 'plain words, 0.71 and a-b'],
      ['[click](https://evil.example)', '\\[click\\](https://evil.example)'],
      ['![x](http://t/p.png)', '!\\[x\\](http://t/p.png)'],
      ['<img src=x onerror=alert(1)>', '\\<img src=x onerror=alert(1)\\>'],
      ['roc_auc and promo_code', 'roc_auc and promo_code'],
      ['a | b', 'a \\| b'],
      ['**bold** _it_ ~~s~~ `c`', '\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~ \\`c\\`'],
      ['line one\n# heading\r\n| x |', 'line one # heading \\| x \\|'],
      ['&lt;script&gt;', '&amp;lt;script&amp;gt;'],
      ['back\\slash', 'back\\\\slash'],
      ['bidi \u202eevil\u202c and \u0007bell', 'bidi evil and bell'],
    ];
    for (const [input, expected] of cases) {
      it(`text ${JSON.stringify(input)}`, function () {
        assert.equal(markdownText(input), expected);
      });
    }
    it('a code span holds backticks and cannot be closed early', function () {
      assert.equal(markdownCode('x1'), '`x1`');
      assert.equal(markdownCode('a`b'), '`` a`b ``');
      assert.equal(markdownCode('``x``'), '``` ``x`` ```');
      assert.equal(markdownCode('two\nlines'), '`two lines`');
    });
    it('a table cell keeps line breaks as <br> and escapes each line', function () {
      assert.equal(markdownCell('a | b\n<script>'), 'a \\| b<br>\\<script\\>');
    });
    it('a block keeps its lines, none of which can start a list, quote, heading or rule', function () {
      assert.equal(markdownBlock('first\n- item\n> quote\n# h\n1. one\n---'), 'first\n\\- item\n\\> quote\n\\# h\n1\\. one\n\\---');
    });
  });

  describe('Slack text', function () {
    it('escapes &, < and > so no mention or link can be forged', function () {
      assert.equal(slackText('<!channel> <@U123> <https://evil|bank> a&b'), '&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil|bank&gt; a&amp;b');
    });
    it('keeps one line unless asked for several', function () {
      assert.equal(slackText('a\nTo: everyone'), 'a To: everyone');
      assert.equal(slackText('a\r\nb', { multiline: true }), 'a\nb');
    });
  });

  describe('JSON', function () {
    it('parses back to the same value, with no raw <, >, & or line separators', function () {
      const value = { comment: '</script><script>alert(1)</script> & \u2028', n: 1 };
      const text = jsonText(value);
      assert.doesNotMatch(text, /[<>&\u2028]/);
      assert.deepEqual(JSON.parse(text), value);
    });
  });

  describe('plain lines and echoed contents', function () {
    it('cuts long text, removes controls and line breaks', function () {
      const line = plainLine(`${'x'.repeat(500)}\nsecond`, 80);
      assert.equal(line.length, 80);
      assert.ok(line.endsWith('…'));
      assert.equal(plainLine('a\u001b[31mred\u001b[0m\nb\tc'), 'a[31mred[0m b c');
    });
  });
});
