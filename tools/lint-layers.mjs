#!/usr/bin/env node
// Layer rule (ARCHITECTURE.md): src/hypervisor runs in workers and Node, so it
// never imports the UI, the management layer, Svelte or anything of the DOM;
// src/manage never imports the UI. Exits 1 listing every violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const root = resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname);
const src = join(root, 'src');

const rules = [
  {
    layer: 'hypervisor',
    forbiddenLayers: ['ui', 'manage', 'tutorials'],
    forbiddenPackages: [/^svelte(\/|$)/, /^@xterm\//, /^comlink/],
    forbiddenGlobals:
      /\b(document|window|localStorage|sessionStorage|requestAnimationFrame|HTMLElement)\b/,
  },
  {
    layer: 'manage',
    forbiddenLayers: ['ui', 'tutorials'],
    forbiddenPackages: [/^svelte(\/|$)/, /^@xterm\//],
    forbiddenGlobals:
      /\b(document|window|localStorage|sessionStorage|requestAnimationFrame|HTMLElement)\b/,
  },
];

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory()
      ? files(path)
      : /\.(ts|js|mjs|svelte)$/.test(name)
        ? [path]
        : [];
  });
}

const importRe =
  /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|new URL\(\s*['"]([^'"]+)['"]/g;
const problems = [];
for (const rule of rules) {
  const dir = join(src, rule.layer);
  for (const file of files(dir)) {
    const text = readFileSync(file, 'utf8');
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    const where = relative(root, file);
    if (file.endsWith('.svelte'))
      problems.push(`${where}: Svelte component inside src/${rule.layer}`);
    for (const match of code.matchAll(importRe)) {
      const spec = match[1] ?? match[2] ?? match[3];
      if (spec.startsWith('.')) {
        const target = relative(src, resolve(join(file, '..'), spec)).split(sep)[0];
        if (rule.forbiddenLayers.includes(target))
          problems.push(`${where}: imports src/${target} (${spec})`);
      } else if (rule.forbiddenPackages.some((re) => re.test(spec))) {
        problems.push(`${where}: imports ${spec}`);
      }
    }
    const global = code.match(rule.forbiddenGlobals);
    if (global) problems.push(`${where}: uses the DOM global '${global[1]}'`);
  }
}

if (problems.length) {
  console.error('Layer rule broken (see ARCHITECTURE.md, "Layers"):\n  ' + problems.join('\n  '));
  process.exit(1);
}
console.log('layers: ok');
