import { HostStart } from './ui/host-start';
import { ensureCrossOriginIsolation } from './ui/isolation';

const target = document.getElementById('app')!;

// The isolation check comes first, and the app (Svelte, xterm, the control
// API: most of the page's script) loads only after it: on a first visit the
// page reloads once under the service worker, and the app would be fetched
// and run for nothing before that reload. Once isolated, the host starts at
// once (its control worker, the image's download, its pCPU workers and their
// training: ui/host-start.ts) while the app loads.
ensureCrossOriginIsolation()
  .then(async (isolation) => {
    if (isolation.kind === 'reloading') {
      const note = document.createElement('p');
      note.dataset.testid = 'isolation-reloading';
      note.textContent = 'Enabling shared memory for this page, reloading…';
      target.replaceChildren(note);
      return;
    }
    const host = isolation.kind === 'isolated' ? new HostStart({ balloonPolicy: true }) : undefined;
    const [{ mount }, { default: App }] = await Promise.all([
      import('svelte'),
      import('./ui/App.svelte'),
    ]);
    target.textContent = '';
    target.removeAttribute('style'); // index.html's placeholder styling
    mount(App, { target, props: { isolation, host } });
  })
  .catch((error: unknown) => {
    target.textContent = `VirtLab could not start: ${error instanceof Error ? error.message : String(error)}`;
  });
