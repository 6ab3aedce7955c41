import { VirtError, type VirtErrorCode } from '../errors';

/**
 * A failed virsh command: the lines it prints, each as "error: <line>", in
 * order. vsh prints its own message first (e.g. "Failed to start domain
 * 'vm1'"), then the libvirt error that caused it.
 */
export class VshError extends Error {
  override name = 'VshError';
  readonly lines: string[];
  constructor(...lines: string[]) {
    super(lines.join('\n'));
    this.lines = lines;
  }
}

/** A malformed command line: nothing of it runs (vshCommandParse's syntax errors). */
export class VshSyntaxError extends Error {
  override name = 'VshSyntaxError';
}

/** libvirt's message prefix for each error code (util/virerror.c, virErrorMsg). */
const PREFIX: Record<VirtErrorCode, string> = {
  'no-domain': 'Domain not found: ',
  'operation-invalid': 'Requested operation is not valid: ',
  'invalid-arg': 'invalid argument: ',
  'config-unsupported': 'unsupported configuration: ',
  'no-resources': 'operation failed: ',
  'domain-exists': 'operation failed: ',
  'operation-failed': 'operation failed: ',
  'operation-aborted': 'operation aborted: ',
  'no-snapshot': 'Domain snapshot not found: ',
  internal: 'internal error: ',
};

/** How libvirt words an error from the control API (the second "error:" line of virsh). */
export function libvirtMessage(error: unknown): string {
  if (error instanceof VshError) return error.lines.join('\n');
  if (error instanceof VirtError) {
    const prefix = PREFIX[error.code];
    return error.message.startsWith(prefix) ? error.message : prefix + error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** vsh's "<what failed>" line followed by the cause's lines. */
export function failed(what: string, cause: unknown): VshError {
  if (cause instanceof VshError) return new VshError(what, ...cause.lines);
  return new VshError(what, libvirtMessage(cause));
}

/** The cause alone, as vsh reports an API error a command does not word itself. */
export function reported(cause: unknown): VshError {
  if (cause instanceof VshError) return cause;
  return new VshError(libvirtMessage(cause));
}

/** libvirt's VIR_ERR_OPERATION_UNSUPPORTED, for what this hypervisor cannot do. */
export function unsupported(message: string): VshError {
  return new VshError(`Operation not supported: ${message}`);
}

/** libvirt's "domain is not running" (VIR_ERR_OPERATION_INVALID). */
export function notRunning(): VshError {
  return new VshError('Requested operation is not valid: domain is not running');
}
