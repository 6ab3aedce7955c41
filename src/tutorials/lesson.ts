import type { KsmKnobs, KsmStats } from '../hypervisor/ksm/ksm-state';
import type {
  ControlApi,
  DomainEvent,
  DomainInfo,
  DomainSummary,
  HostInfo,
} from '../manage/control-api';
import type { Route } from '../ui/router.svelte';

/**
 * A lesson: steps done on the live playground, each with a checkpoint that
 * is a predicate over the hypervisor's live state (the outcome, never the
 * keystrokes) and a solution that really does the step. The words of a
 * lesson live beside it, one Markdown file per language (lesson-text.ts).
 */
export interface LessonDef {
  id: string;
  /** Place in the track (1 first). */
  order: number;
  steps: Step[];
}

/** What a checkpoint sees: the host as the page sees it, now. */
export interface LessonWorld {
  /** performance.now() of this snapshot, ms. */
  now: number;
  domains: readonly DomainSummary[];
  /** info() of every domain (polled ~4 Hz). */
  infos: Readonly<Record<string, DomainInfo>>;
  host: HostInfo | undefined;
  ksm: { knobs: KsmKnobs; stats: KsmStats } | undefined;
  /** A domain's serial console output so far (the page keeps the last 256 KiB), without CRs. */
  console(name: string): string;
  /** Each running domain's CPU use over about the last `ms`, in pCPUs (1 = one pCPU busy). */
  cpuUse(name: string, ms: number): number | undefined;
  /** The automatic balloon policy's decisions, newest first. */
  policyLog: readonly Extract<DomainEvent, { kind: 'balloon-policy' }>[];
}

/** What a solution may do: what a learner can do in the page. */
export interface LessonActions {
  api: ControlApi;
  /** Types a line into a domain's serial console once its shell shows a prompt. */
  typeInConsole(name: string, line: string): Promise<void>;
  /** Runs a line in the page's virsh panel (opening it). */
  runVirsh(line: string): Promise<void>;
  /**
   * Live-migrates a domain between the page's two hosts, as the migration
   * view's Migrate button does (starting the second host if needed):
   * `second` moves it there from the first host, `first` brings it back.
   */
  migrateInPage(name: string, to: 'first' | 'second'): Promise<void>;
  /** Resolves when `predicate` holds for the live world, or rejects after `ms`. */
  until(predicate: (w: LessonWorld) => boolean, ms: number, what: string): Promise<void>;
  world(): LessonWorld;
}

/** Met, or not yet with the key of a message (in the lesson's Messages section) saying why. */
export type CheckResult = true | { reason: string; params?: Record<string, unknown> };

export interface Step<B = unknown> {
  /** Matches the `{#id}` of its section in every language's text. */
  id: string;
  /** The view shown beside the step. */
  view: Route;
  /** Taken when the learner enters the step: what "changed since" is measured from. */
  baseline?(w: LessonWorld): B;
  check(w: LessonWorld, base: B): CheckResult;
  /** Does the step as a learner would (page controls, virsh, the guest console). */
  solve(a: LessonActions): Promise<void>;
}

/** A step with its baseline type checked, stored as a plain Step. */
export function step<B>(s: Step<B>): Step {
  return s as Step;
}
