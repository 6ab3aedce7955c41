/**
 * Every message that crosses a thread boundary inside the hypervisor, typed
 * in one place. Large or hot data never travels in messages: it lives in
 * SharedArrayBuffers whose layouts are documented next to their definitions
 * and in ARCHITECTURE.md.
 */

/** Control worker -> pCPU worker. */
export type PcpuCommand =
  | { kind: 'heartbeat'; sab: SharedArrayBuffer; periodMs: number }
  /** Become pCPU `pcpu` of the host and start the scheduler loop. */
  | {
      kind: 'init';
      pcpu: number;
      sched: SharedArrayBuffer;
      ram: SharedArrayBuffer;
      /** Host RAM as the shared WebAssembly.Memory whose buffer `ram` is (the JIT needs it). */
      ramMemory?: WebAssembly.Memory;
      /** Host frames (outside the frame pool) for this pCPU's JIT. */
      jitFrames?: number[];
      /** The host's JIT telemetry (cpu/jit/jit-stats.ts); this pCPU writes its own words. */
      jitStats?: SharedArrayBuffer;
      trace: SharedArrayBuffer;
    }
  /** A VM exists: build this thread's vCPU objects for it. Sent before any of its vCPUs is runnable. */
  | { kind: 'vm-add'; shared: import('./host/vm-shared').VmShared }
  /** A VM is gone (none of its vCPUs runs): drop its objects. */
  | { kind: 'vm-remove'; vm: number }
  /** Page modules other pCPUs compiled, relayed by the host (cpu/jit/module-exchange.ts). */
  | { kind: 'jit-modules'; modules: import('./cpu/jit/module-exchange').SharedPageModule[] };

/** pCPU worker -> control worker. */
export type PcpuReport =
  | { kind: 'started' }
  | { kind: 'stopped'; ticks: number }
  /** A VM's stop word was set by a vCPU on this pCPU (SRST, HTIF). */
  | { kind: 'vm-stop'; vm: number }
  /** A vCPU of `vm` found no free host frame: the VM paused itself. */
  | { kind: 'vm-nomem'; vm: number }
  /** A host bug while running a vCPU of `vm`: that VM is stopped, the pCPU carries on. */
  | { kind: 'vm-error'; vm: number; message: string }
  /** This pCPU's JIT compiled a page module: the host relays it to the other pCPUs. */
  | {
      kind: 'jit-module';
      pcpu: number;
      module: import('./cpu/jit/module-exchange').SharedPageModule;
    }
  | { kind: 'exited'; pcpu: number }
  /** The pCPU worker loaded and read its init: the host's pCPU is up. */
  | { kind: 'online'; pcpu: number };

/** Control worker -> a VM's VMM worker. */
export type VmmCommand = {
  kind: 'start';
  shared: import('./host/vm-shared').VmShared;
  sched: SharedArrayBuffer;
  /** A restored VM: the device models load this state before serving anything. */
  devices?: import('./vm/machine-state').VmmDeviceState;
};

/** VMM worker -> control worker. */
export type VmmReport =
  | { kind: 'console'; bytes: Uint8Array }
  | { kind: 'vm-stop' }
  | { kind: 'exited' }
  /** Answer to a save request (MB.SAVE_REQ = seq): the device models' state, or why it failed. */
  | {
      kind: 'device-state';
      seq: number;
      devices?: import('./vm/machine-state').VmmDeviceState;
      error?: string;
    }
  /** The restored device state is loaded: the host may start the vCPUs. */
  | { kind: 'loaded' }
  /** The restored device state could not be loaded: the VM never ran. */
  | { kind: 'load-failed'; message: string };

/** Control worker -> the ksmd worker. */
export type KsmdCommand =
  /** Start scanning with these knobs and statistics (ksm/ksm-state.ts), host RAM and frame pool. */
  | {
      kind: 'init';
      ksm: SharedArrayBuffer;
      ram: SharedArrayBuffer;
      framePool: SharedArrayBuffer;
      sched: SharedArrayBuffer;
    }
  /** A VM whose RAM may be merged (the host bumps KSM.GEN after posting). */
  | { kind: 'vm-add'; shared: import('./host/vm-shared').VmShared }
  /** Forget a VM (before its frames are released). */
  | { kind: 'vm-remove'; vm: number };

/** ksmd worker -> control worker. */
export type KsmdReport = { kind: 'error'; message: string } | { kind: 'exited' };

/**
 * The two ends of a worker's message channel, whatever the platform: a Web
 * Worker's `self` in browsers, `parentPort` from node:worker_threads in Node.
 */
export interface ParentPort<In, Out> {
  onMessage(handler: (message: In) => void): void;
  post(message: Out): void;
}
