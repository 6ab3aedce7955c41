import { describe, expect, it } from 'vitest';
import { warmUpInterpreter } from './warm-up';

describe("the interpreter's warm-up", () => {
  it('runs its programs to the end, twice over, in both ways the engines run the interpreter', () => {
    const { instructions, retired } = warmUpInterpreter();
    // 2 passes × 24 programs × 2400 instructions asked for.
    expect(instructions).toBe(2 * 24 * 2400);
    // And run: all but the faulting ones retire (~96 %). A program stuck in a trap loop or a
    // WFI, or a run that ran nothing, would leave far fewer.
    expect(retired).toBeGreaterThan(0.9 * instructions);
    expect(retired).toBeLessThanOrEqual(instructions);
  });
});
