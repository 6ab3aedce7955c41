import { describe, expect, it } from 'vitest';
import { LOCALES } from '../ui/i18n/i18n.svelte';
import { buildCatalog, LESSONS } from './catalog';
import { parseLessonText } from './lesson-text';

describe('the lesson track', () => {
  it('has every lesson in every language, with the same steps and messages', () => {
    expect(LESSONS.length).toBeGreaterThan(0);
    for (const lesson of LESSONS) {
      const [first, ...others] = LOCALES.map((l) => lesson.text[l]);
      for (const other of others) {
        expect(other.steps.map((s) => s.id)).toEqual(first.steps.map((s) => s.id));
        expect(Object.keys(other.messages).sort()).toEqual(Object.keys(first.messages).sort());
        other.steps.forEach((s, i) => expect(s.hints.length).toBe(first.steps[i].hints.length));
      }
    }
  });

  it('has a message in every language for every reason a checkpoint gives', () => {
    for (const lesson of LESSONS) {
      for (const s of lesson.def.steps) {
        const source = s.check.toString();
        for (const [, key] of source.matchAll(/reason: '([a-z0-9-]+)'/g)) {
          for (const l of LOCALES)
            expect(
              lesson.text[l].messages[key],
              `${lesson.def.id} ${l} message ${key}`,
            ).toBeTruthy();
        }
      }
    }
  });

  it('fails when a language lacks a lesson or a step', () => {
    const def = { id: 'x', order: 1, steps: [{ id: 'a' }, { id: 'b' }] } as never;
    const md = (ids: string[]) =>
      `# T\n\n${ids.map((id) => `## S {#${id}}\nbody\n### Goal\ng\n### Hint\nh\n`).join('\n')}`;
    expect(() =>
      buildCatalog({ './lessons/x/lesson.ts': def }, { './lessons/x/en.md': md(['a', 'b']) }),
    ).toThrow(/zh-CN\.md: missing/);
    expect(() =>
      buildCatalog(
        { './lessons/x/lesson.ts': def },
        { './lessons/x/en.md': md(['a', 'b']), './lessons/x/zh-CN.md': md(['a']) },
      ),
    ).toThrow(/zh-CN\.md: steps a; lesson\.ts has a, b/);
  });
});

describe('parseLessonText', () => {
  it('reads title, summary, intro, steps with goal and hints, and messages', () => {
    const t = parseLessonText(
      '# Title\n\n> Sum.\n\nIntro `x`.\n\n## First {#one}\nBody 1\n\n### Goal\nG1\n### Hint\nH1\n### Hint\nH2\n\n## Messages {#messages}\nno-x: Not yet {{n}}.\n',
    );
    expect(t).toEqual({
      title: 'Title',
      summary: 'Sum.',
      intro: 'Intro `x`.',
      steps: [{ id: 'one', title: 'First', body: 'Body 1', goal: 'G1', hints: ['H1', 'H2'] }],
      messages: { 'no-x': 'Not yet {{n}}.' },
    });
  });

  it('says where a file is malformed', () => {
    expect(() => parseLessonText('intro\n# T')).toThrow(/lesson:1: the file must start/);
    expect(() => parseLessonText('# T\n## Step without id\n')).toThrow(
      /lesson:2: a step heading needs an id/,
    );
    expect(() => parseLessonText('# T\n## S {#a}\nb\n### Hint\nh\n')).toThrow(
      /step 'a' has no "### Goal"/,
    );
    expect(() => parseLessonText('# T\n## S {#a}\n### Goal\ng\n')).toThrow(
      /step 'a' has no "### Hint"/,
    );
  });
});

describe('the glossary', () => {
  it('has the same number of terms in every language', async () => {
    const { glossary, glossaryTerms } = await import('./glossary');
    const counts = LOCALES.map((l) => glossaryTerms(glossary(l)).length);
    expect(counts[0]).toBeGreaterThan(10);
    for (const c of counts) expect(c).toBe(counts[0]);
  });
});
