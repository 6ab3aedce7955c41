/**
 * The control API's typed errors, after libvirt's virErrorNumber: every
 * action either succeeds or throws a VirtError whose `code` says why, and
 * nothing changed.
 */
export type VirtErrorCode =
  /** VIR_ERR_NO_DOMAIN */
  | 'no-domain'
  /** VIR_ERR_OPERATION_INVALID: not allowed in the domain's current state */
  | 'operation-invalid'
  /** VIR_ERR_INVALID_ARG */
  | 'invalid-arg'
  /** VIR_ERR_CONFIG_UNSUPPORTED: a valid definition this host cannot run (checked at start) */
  | 'config-unsupported'
  /** VIR_ERR_OPERATION_FAILED for lack of host memory, vCPU slots or pCPUs */
  | 'no-resources'
  /** VIR_ERR_DOM_EXIST */
  | 'domain-exists'
  /** VIR_ERR_OPERATION_FAILED: the action was valid but did not work (a bad save image, a VMM that did not answer) */
  | 'operation-failed'
  /** VIR_ERR_OPERATION_ABORTED: a job was cancelled (domjobabort) */
  | 'operation-aborted'
  /** VIR_ERR_NO_DOMAIN_SNAPSHOT */
  | 'no-snapshot'
  /** VIR_ERR_INTERNAL_ERROR */
  | 'internal';

export class VirtError extends Error {
  override name = 'VirtError';
  constructor(
    readonly code: VirtErrorCode,
    message: string,
  ) {
    super(message);
  }
}
