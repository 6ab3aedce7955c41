import type { DomainState, StateReason } from '../control-api';

/**
 * Our domain states and reasons as libvirt names and numbers them
 * (include/libvirt/libvirt-domain.h: virDomainState and the per-state
 * reason enums; virsh's strings in tools/virsh-domain-monitor.c).
 */

/** virDomainState. */
export const STATE_CODE: Record<DomainState, number> = {
  running: 1,
  paused: 3,
  'shut off': 5,
  crashed: 6,
};

/** The reason's number in libvirt's enum for the state, and virsh's word for it. */
export function stateReason(
  state: DomainState,
  reason: StateReason,
): { code: number; text: string } {
  switch (state) {
    case 'running':
      // virDomainRunningReason: a reset or a guest reboot keeps the domain "booted".
      if (reason === 'user') return { code: 5, text: 'unpaused' };
      if (reason === 'booted' || reason === 'reset' || reason === 'rebooted') {
        return { code: 1, text: 'booted' };
      }
      if (reason === 'migrated') return { code: 2, text: 'migrated' };
      if (reason === 'restored') return { code: 3, text: 'restored' };
      if (reason === 'from snapshot') return { code: 4, text: 'from snapshot' };
      return { code: 0, text: 'unknown' };
    case 'paused':
      // virDomainPausedReason. Ours: the host ran out of frames to back guest RAM
      // (libvirt has no such reason; its number is "unknown").
      if (reason === 'user') return { code: 1, text: 'user' };
      if (reason === 'out of memory') return { code: 0, text: 'out of memory' };
      if (reason === 'migrating') return { code: 2, text: 'migrating' };
      if (reason === 'saving') return { code: 3, text: 'saving' };
      if (reason === 'from snapshot') return { code: 7, text: 'from snapshot' };
      if (reason === 'creating snapshot') return { code: 9, text: 'creating snapshot' };
      return { code: 0, text: 'unknown' };
    case 'shut off':
      // virDomainShutoffReason; a domain never started is "unknown", as in libvirt.
      if (reason === 'shutdown' || reason === 'finished') return { code: 1, text: 'shutdown' };
      if (reason === 'destroyed') return { code: 2, text: 'destroyed' };
      if (reason === 'crashed') return { code: 3, text: 'crashed' };
      if (reason === 'migrated') return { code: 4, text: 'migrated' };
      if (reason === 'saved') return { code: 5, text: 'saved' };
      if (reason === 'failed') return { code: 6, text: 'failed' };
      if (reason === 'from snapshot') return { code: 7, text: 'from snapshot' };
      return { code: 0, text: 'unknown' };
    case 'crashed':
      // virDomainCrashedReason: a guest panic (pvpanic) is "panicked".
      return reason === 'crashed' ? { code: 1, text: 'panicked' } : { code: 0, text: 'unknown' };
  }
}

/** Active (has an id): running or paused. */
export const isActive = (state: DomainState) => state === 'running' || state === 'paused';
