/**
 * The learner's progress, kept in localStorage: per lesson, the steps
 * whose checkpoint was met and the step last open.
 */
const KEY = 'virtlab.lessons';

export interface LessonProgress {
  done: string[];
  at: number;
}

type Store = Record<string, LessonProgress>;

function read(): Store {
  try {
    const parsed: unknown = JSON.parse(globalThis.localStorage?.getItem(KEY) ?? '{}');
    return parsed && typeof parsed === 'object' ? (parsed as Store) : {};
  } catch {
    return {}; // a corrupt entry starts afresh rather than breaking the page
  }
}

export function progressOf(lesson: string): LessonProgress {
  const p = read()[lesson];
  return {
    done: Array.isArray(p?.done) ? p.done.filter((s) => typeof s === 'string') : [],
    at: Number.isInteger(p?.at) ? p.at : 0,
  };
}

export function saveProgress(lesson: string, progress: LessonProgress): void {
  const store = read();
  store[lesson] = progress;
  globalThis.localStorage?.setItem(KEY, JSON.stringify(store));
}

export function resetProgress(lesson: string): void {
  const store = read();
  delete store[lesson];
  globalThis.localStorage?.setItem(KEY, JSON.stringify(store));
}
