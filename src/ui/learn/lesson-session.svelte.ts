import { LESSONS, lessonById, type Lesson } from '../../tutorials/catalog';
import type { CheckResult, LessonWorld } from '../../tutorials/lesson';
import { progressOf, resetProgress, saveProgress } from '../../tutorials/progress';
import type { HostSession } from '../host.svelte';
import { message } from '../error-message';
import { LiveWorld } from './live-world';

/** How often checkpoints are evaluated, ms. */
const CHECK_MS = 500;

/**
 * The lesson open beside the playground: which step, whether its
 * checkpoint is met (re-evaluated twice a second over live state, met once
 * is kept), hints shown, and the solve action. Progress is saved to
 * localStorage as steps are met; the view beside the step is the route's.
 */
export class LessonSession {
  lesson = $state.raw<Lesson | undefined>(undefined);
  index = $state(0);
  /** The current step's checkpoint, last evaluation. */
  result = $state.raw<CheckResult | undefined>(undefined);
  done = $state.raw<string[]>([]);
  hints = $state(0);
  goal = $state(false);
  solving = $state(false);
  solveError = $state<string | undefined>(undefined);
  readonly world: LiveWorld;
  #baseline: unknown;
  /** The baseline is taken at the first check with the host ready (infos polled). */
  #baselineTaken = false;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(readonly host: HostSession) {
    this.world = new LiveWorld(host);
  }

  get lessons(): Lesson[] {
    return LESSONS;
  }

  get step() {
    return this.lesson?.def.steps[this.index];
  }

  /** Opens lesson `id` at `step` (0-based; default: where the learner left it). */
  open(id: string, step?: number): boolean {
    const lesson = lessonById(id);
    if (!lesson) return false;
    const saved = progressOf(id);
    const last = lesson.def.steps.length - 1;
    const at = Math.max(0, Math.min(last, step ?? saved.at));
    if (this.lesson === lesson && this.index === at) return true;
    this.lesson = lesson;
    this.done = saved.done;
    this.#enter(at);
    this.#timer ??= setInterval(() => this.check(), CHECK_MS);
    return true;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.lesson = undefined;
    this.result = undefined;
  }

  go(index: number): void {
    if (!this.lesson) return;
    this.#enter(Math.max(0, Math.min(this.lesson.def.steps.length - 1, index)));
  }

  reset(): void {
    if (!this.lesson) return;
    resetProgress(this.lesson.def.id);
    this.done = [];
    this.#enter(0);
  }

  isDone(stepId: string): boolean {
    return this.done.includes(stepId);
  }

  /** Evaluates the current step's checkpoint now. */
  check(): void {
    const step = this.step;
    if (!step || this.host.status !== 'ready') return;
    this.world.sample();
    if (!this.#baselineTaken) {
      this.#baseline = step.baseline?.(this.world.snapshot());
      this.#baselineTaken = true;
    }
    let result: CheckResult;
    try {
      result = step.check(this.world.snapshot(), this.#baseline);
    } catch (error) {
      result = { reason: 'error', params: { error: message(error) } };
    }
    this.result = result;
    if (result === true && !this.done.includes(step.id)) {
      this.done = [...this.done, step.id];
      this.#save();
    }
  }

  /** Runs the step's solution (as a learner would) and re-checks. */
  async solve(): Promise<void> {
    const step = this.step;
    if (!step || this.solving) return;
    this.solving = true;
    this.solveError = undefined;
    try {
      await step.solve(this.world.actions());
    } catch (error) {
      this.solveError = message(error);
    } finally {
      this.solving = false;
      this.check();
    }
  }

  /** The world now (for views that show what a checkpoint sees). */
  snapshot(): LessonWorld {
    return this.world.snapshot();
  }

  #enter(index: number): void {
    this.index = index;
    this.hints = 0;
    this.goal = false;
    this.solveError = undefined;
    this.result = undefined;
    this.#baselineTaken = false;
    this.#save();
    this.check();
  }

  #save(): void {
    if (this.lesson) saveProgress(this.lesson.def.id, { done: this.done, at: this.index });
  }
}
