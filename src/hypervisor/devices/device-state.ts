import type { Json } from '../vm/machine-state';

/**
 * Reading a device's saved state (QEMU's vmstate load): the state comes
 * from a file or another host, so every field is checked for its type and
 * range before any of it is applied, and a bad one fails the whole load
 * with the device and field named (QEMU: "error while loading state for
 * instance 0x0 of device 'uart'").
 */
export class DeviceStateError extends Error {
  override name = 'DeviceStateError';
}

export class StateReader {
  readonly #fields: { [key: string]: Json };

  constructor(
    readonly device: string,
    state: Json,
  ) {
    if (state === null || typeof state !== 'object' || Array.isArray(state))
      throw new DeviceStateError(`${device}: saved state is not an object`);
    this.#fields = state;
  }

  #fail(key: string, what: string): never {
    throw new DeviceStateError(`${this.device}: saved field '${key}' ${what}`);
  }

  /** An integer in [min, max]. */
  int(key: string, min: number, max: number): number {
    const v = this.#fields[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      this.#fail(key, `must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
    return v;
  }

  bool(key: string): boolean {
    const v = this.#fields[key];
    if (typeof v !== 'boolean') this.#fail(key, `must be true or false`);
    return v;
  }

  /** A signed 64-bit integer kept as a decimal string (JSON has no bigint). */
  bigint(key: string): bigint {
    const v = this.#fields[key];
    if (typeof v !== 'string' || !/^-?\d{1,20}$/.test(v))
      this.#fail(key, `must be a decimal integer string`);
    const n = BigInt(v);
    if (n < -(2n ** 63n) || n >= 2n ** 63n) this.#fail(key, 'is out of the 64-bit range');
    return n;
  }

  /** Bytes kept as a list of integers 0..255, at most `maxLength` of them. */
  bytes(key: string, maxLength: number): Uint8Array {
    const v = this.#fields[key];
    if (!Array.isArray(v) || v.length > maxLength)
      this.#fail(key, `must be at most ${maxLength} bytes`);
    const out = new Uint8Array(v.length);
    v.forEach((b, i) => {
      if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255)
        this.#fail(key, `holds a non-byte at ${i}`);
      out[i] = b;
    });
    return out;
  }

  /** A nested value, read by the caller. */
  value(key: string): Json {
    if (!(key in this.#fields)) this.#fail(key, 'is missing');
    return this.#fields[key];
  }
}
