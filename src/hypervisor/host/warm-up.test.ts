import { describe, expect, it } from 'vitest';
import { warmUpInterpreter } from './warm-up';

describe("the interpreter's warm-up", () => {
  it('runs its programs to the end, twice over, in both ways the engines run the interpreter', () => {
    const { instructions } = warmUpInterpreter();
    // 2 passes × 24 programs × 2400 instructions: none stopped early (a stuck or thrown run would).
    expect(instructions).toBe(2 * 24 * 2400);
  });
});
