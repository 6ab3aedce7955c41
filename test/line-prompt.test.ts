import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LinePrompt } from '../tools/lib/line-prompt';

/** `npm run virsh`'s prompt over a fake terminal: type-ahead is kept and handed out in order. */
function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
  const prompt = new LinePrompt('virsh # ', { input, output });
  return { input, prompt, shown: () => shown };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('LinePrompt (npm run virsh)', () => {
  it('runs every line of a paste, in order', async () => {
    const { input, prompt } = terminal();
    const first = prompt.next();
    input.write('list --all\nvirt-install --name demo --memory 64 --noautoconsole\ndominfo demo\n');
    expect(await first).toBe('list --all');
    expect(prompt.pending).toBe(2);
    expect(await prompt.next()).toBe('virt-install --name demo --memory 64 --noautoconsole');
    expect(await prompt.next()).toBe('dominfo demo');
  });

  it('keeps lines typed while a command runs, and a line begun after the last Enter', async () => {
    const { input, prompt, shown } = terminal();
    const first = prompt.next();
    input.write('start vm1\n');
    expect(await first).toBe('start vm1');
    // "The command runs": nothing reads the terminal now, and what is typed waits.
    await tick();
    input.write('dominfo vm1\nlist');
    await tick();
    expect(await prompt.next()).toBe('dominfo vm1');
    const last = prompt.next();
    input.write(' --all\n');
    expect(await last).toBe('list --all');
    expect(shown()).toContain('virsh # ');
  });

  it('ends at the end of input, after the lines before it', async () => {
    const { input, prompt } = terminal();
    const first = prompt.next();
    input.write('version\n');
    expect(await first).toBe('version');
    const end = prompt.next();
    input.end();
    expect(await end).toBeUndefined();
  });
});
