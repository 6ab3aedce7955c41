/**
 * Test-only: runs the reference device-tree compiler (device-tree-compiler,
 * /usr/bin/dtc) on a blob. Node-only, so never imported by runtime code.
 */
import { spawnSync } from 'node:child_process';
import { findProgram } from '../../../tools/lib/programs';

export function dtc(blob: Uint8Array, outFormat: 'dts' | 'dtb'): { out: Buffer; stderr: string } {
  const r = spawnSync(findProgram('dtc'), ['-I', 'dtb', '-O', outFormat, '-'], { input: blob });
  if (r.error) throw r.error;
  const stderr = r.stderr.toString();
  if (r.status !== 0) throw new Error(`dtc failed (${r.status}): ${stderr}`);
  return { out: r.stdout, stderr };
}
