import { Marked, type Tokens } from 'marked';

/**
 * A lesson's Markdown as HTML (marked). Code spans that start with
 * `virsh>` or `NAME$` become command chips: buttons carrying the target
 * (`virsh` or a domain's console) and the line, which the lesson panel
 * handles. Raw HTML in a lesson is shown as text, never interpreted.
 */
export const CHIP_RE = /^(?:virsh>|([A-Za-z0-9_.+-]+)\$)\s+(.+)$/;

export interface Chip {
  /** 'virsh', or the domain whose console the line goes to. */
  target: string;
  line: string;
}

export function parseChip(text: string): Chip | undefined {
  const m = CHIP_RE.exec(text.trim());
  if (!m) return undefined;
  return { target: m[1] ?? 'virsh', line: m[2] };
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const marked = new Marked({
  gfm: true,
  renderer: {
    codespan(token: Tokens.Codespan): string {
      const chip = parseChip(token.text);
      if (!chip) return `<code>${escapeHtml(token.text)}</code>`;
      const prompt = chip.target === 'virsh' ? 'virsh #' : `${chip.target}$`;
      return (
        `<button type="button" class="chip" data-chip-target="${escapeHtml(chip.target)}" ` +
        `data-chip-line="${escapeHtml(chip.line)}"><span class="chip-prompt">${escapeHtml(prompt)}</span> ` +
        `<code>${escapeHtml(chip.line)}</code></button>`
      );
    },
    html(token: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(token.text);
    },
  },
});

export function renderLessonMarkdown(source: string): string {
  return marked.parse(source, { async: false });
}

/** Fills `{{name}}` placeholders (a checkpoint's reason message). */
export function interpolate(text: string, params: Record<string, unknown> = {}): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(params[k] ?? ''));
}
