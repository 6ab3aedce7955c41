// Comlink ships node-adapter.d.ts but no .d.mts for its ESM build.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  export { default } from 'comlink/dist/esm/node-adapter';
}
