import { LOCALES, type Locale } from '../ui/i18n/i18n.svelte';
import type { LessonDef } from './lesson';
import { parseLessonText, type LessonText } from './lesson-text';

/**
 * The track: every lessons/NAME/lesson.ts with its words, lessons/NAME/en.md
 * and lessons/NAME/zh-CN.md (one folder per lesson, one file per language).
 */
export interface Lesson {
  def: LessonDef;
  text: Record<Locale, LessonText>;
}

const defs = import.meta.glob<LessonDef>('./lessons/*/lesson.ts', {
  eager: true,
  import: 'lesson',
});
const texts = import.meta.glob<string>('./lessons/*/*.md', {
  eager: true,
  query: '?raw',
  import: 'default',
});

/** Pairs each definition with its texts; throws naming what is missing or does not match. */
export function buildCatalog(
  defFiles: Record<string, LessonDef>,
  textFiles: Record<string, string>,
): Lesson[] {
  const lessons: Lesson[] = [];
  for (const [path, def] of Object.entries(defFiles)) {
    const dir = path.slice(0, path.lastIndexOf('/'));
    const text = {} as Record<Locale, LessonText>;
    for (const locale of LOCALES) {
      const file = `${dir}/${locale}.md`;
      const source = textFiles[file];
      if (source === undefined) throw new Error(`${file}: missing (lesson '${def.id}')`);
      text[locale] = parseLessonText(source, file);
      const ids = text[locale].steps.map((s) => s.id);
      const want = def.steps.map((s) => s.id);
      if (ids.join() !== want.join())
        throw new Error(`${file}: steps ${ids.join(', ')}; lesson.ts has ${want.join(', ')}`);
    }
    lessons.push({ def, text });
  }
  return lessons.sort((a, b) => a.def.order - b.def.order);
}

export const LESSONS: Lesson[] = buildCatalog(defs, texts);

export function lessonById(id: string | undefined): Lesson | undefined {
  return LESSONS.find((l) => l.def.id === id);
}
