import { describe, expect, it } from 'vitest';
import { interpolate, parseChip, renderLessonMarkdown } from './lesson-markdown';

describe('lesson Markdown', () => {
  it('turns virsh> and NAME$ code spans into command chips, others stay code', () => {
    expect(parseChip('virsh> ksm --run 1')).toEqual({ target: 'virsh', line: 'ksm --run 1' });
    expect(parseChip('ksm1$ hog 8M --pattern same &')).toEqual({
      target: 'ksm1',
      line: 'hog 8M --pattern same &',
    });
    expect(parseChip('/sys/kernel/mm/ksm/run')).toBeUndefined();
    const html = renderLessonMarkdown('Run `virsh> ksm` and read `pages_sharing`.');
    expect(html).toContain('data-chip-target="virsh" data-chip-line="ksm"');
    expect(html).toContain('<code>pages_sharing</code>');
  });

  it('escapes what it shows: lines with <, & and quotes, and raw HTML', () => {
    const html = renderLessonMarkdown('`vm1$ echo "a<b" && cat x` <script>alert(1)</script>');
    expect(html).toContain('data-chip-line="echo &quot;a&lt;b&quot; &amp;&amp; cat x"');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('fills placeholders of reason messages', () => {
    expect(interpolate('{{n}} pages, {{missing}}.', { n: 3 })).toBe('3 pages, .');
  });
});
