/**
 * A lesson's words in one language, from its Markdown file:
 *
 *   # Title
 *   > One-sentence summary.
 *   Intro paragraphs…
 *   ## A step's title {#step-id}
 *   Body… (`virsh> …` and `vm1$ …` code spans become command chips)
 *   ### Goal
 *   What done looks like.
 *   ### Hint            (one section per hint, in the order they are shown)
 *   …
 *   ## Messages {#messages}
 *   key: Why a checkpoint is not met yet, with {{params}}.
 *
 * Teachers and translators edit these files; no code changes.
 */
export interface StepText {
  id: string;
  title: string;
  body: string;
  goal: string;
  hints: string[];
}

export interface LessonText {
  title: string;
  summary: string;
  intro: string;
  steps: StepText[];
  messages: Record<string, string>;
}

export class LessonTextError extends Error {
  override name = 'LessonTextError';
}

const STEP_RE = /^## (.+?)\s*\{#([a-z0-9-]+)\}\s*$/;

export function parseLessonText(source: string, file = 'lesson'): LessonText {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const text: LessonText = { title: '', summary: '', intro: '', steps: [], messages: {} };
  let section: 'intro' | 'body' | 'goal' | 'hint' | 'messages' = 'intro';
  let current: StepText | undefined;
  const intro: string[] = [];
  let buffer: string[] = intro;
  const flush = () => {
    if (!current) return;
    const joined = buffer.join('\n').trim();
    if (section === 'body') current.body = joined;
    else if (section === 'goal') current.goal = joined;
    else if (section === 'hint') current.hints.push(joined);
  };
  lines.forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    if (!text.title) {
      if (line.startsWith('# ')) text.title = line.slice(2).trim();
      else if (line.trim())
        throw new LessonTextError(`${where}: the file must start with "# Title"`);
      return;
    }
    if (!text.summary && section === 'intro' && line.startsWith('> ') && !intro.join('').trim()) {
      text.summary = line.slice(2).trim();
      return;
    }
    const stepMatch = STEP_RE.exec(line);
    if (stepMatch) {
      flush();
      if (stepMatch[2] === 'messages') {
        section = 'messages';
        current = undefined;
        buffer = [];
        return;
      }
      if (text.steps.some((s) => s.id === stepMatch[2]))
        throw new LessonTextError(`${where}: step id '${stepMatch[2]}' used twice`);
      current = { id: stepMatch[2], title: stepMatch[1], body: '', goal: '', hints: [] };
      text.steps.push(current);
      section = 'body';
      buffer = [];
      return;
    }
    if (line.startsWith('## '))
      throw new LessonTextError(`${where}: a step heading needs an id: "## Title {#id}"`);
    if (section === 'messages') {
      if (!line.trim()) return;
      const m = /^([a-z0-9-]+):\s*(.+)$/.exec(line);
      if (!m) throw new LessonTextError(`${where}: a message is "key: text"`);
      text.messages[m[1]] = m[2];
      return;
    }
    if (current && (line === '### Goal' || line === '### Hint')) {
      flush();
      section = line === '### Goal' ? 'goal' : 'hint';
      buffer = [];
      return;
    }
    buffer.push(line);
  });
  flush();
  text.intro = intro.join('\n').trim();
  if (!text.title) throw new LessonTextError(`${file}: empty`);
  for (const s of text.steps) {
    if (!s.goal) throw new LessonTextError(`${file}: step '${s.id}' has no "### Goal"`);
    if (s.hints.length === 0)
      throw new LessonTextError(`${file}: step '${s.id}' has no "### Hint"`);
  }
  return text;
}
