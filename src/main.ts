import { mount } from 'svelte';
import App from './ui/App.svelte';
import { ensureCrossOriginIsolation } from './ui/isolation';

const target = document.getElementById('app')!;

ensureCrossOriginIsolation().then(
  (isolation) => {
    target.textContent = '';
    target.removeAttribute('style'); // index.html's placeholder styling
    mount(App, { target, props: { isolation } });
  },
  (error: unknown) => {
    target.textContent = `VirtLab could not start: ${error instanceof Error ? error.message : String(error)}`;
  },
);
