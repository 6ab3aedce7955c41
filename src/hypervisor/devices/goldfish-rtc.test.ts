import { describe, expect, it } from 'vitest';
import { GoldfishRtc } from './goldfish-rtc';

const TIME_LOW = 0x00,
  TIME_HIGH = 0x04,
  ALARM_LOW = 0x08,
  ALARM_HIGH = 0x0c,
  IRQ_ENABLED = 0x10,
  CLEAR_ALARM = 0x14,
  ALARM_STATUS = 0x18,
  CLEAR_INTERRUPT = 0x1c;

const T0 = 1_700_000_000_123_456_789n;

function setup() {
  let host = T0;
  const levels: boolean[] = [];
  const rtc = new GoldfishRtc({ irq: { set: (l) => levels.push(l) }, wallClockNs: () => host });
  const level = (): boolean => levels.at(-1) ?? false;
  return { rtc, levels, level, advance: (ns: bigint) => (host += ns) };
}

function readTime(rtc: GoldfishRtc): bigint {
  const lo = rtc.read(TIME_LOW, 4);
  const hi = rtc.read(TIME_HIGH, 4);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function writeAlarm(rtc: GoldfishRtc, ns: bigint): void {
  rtc.write(ALARM_HIGH, Number(ns >> 32n), 4);
  rtc.write(ALARM_LOW, Number(ns & 0xffff_ffffn), 4);
}

describe('GoldfishRtc', () => {
  it('reads the wall clock in ns, TIME_LOW latching TIME_HIGH', () => {
    const { rtc, advance } = setup();
    expect(readTime(rtc)).toBe(T0);
    const lo = rtc.read(TIME_LOW, 4);
    advance(10n ** 12n); // crosses a 2^32 ns boundary
    expect(rtc.read(TIME_HIGH, 4)).toBe(Number(T0 >> 32n));
    expect(lo).toBe(Number(T0 & 0xffff_ffffn));
  });

  it('sets the time by TIME_HIGH then TIME_LOW and keeps counting from it', () => {
    const { rtc, advance } = setup();
    const set = 0x1234_5678_9abc_def0n;
    rtc.write(TIME_HIGH, Number(set >> 32n), 4);
    rtc.write(TIME_LOW, Number(set & 0xffff_ffffn), 4);
    expect(readTime(rtc)).toBe(set);
    advance(5n);
    expect(readTime(rtc)).toBe(set + 5n);
  });

  it('fires an alarm when due, raising the line only while IRQ_ENABLED', () => {
    const { rtc, level, advance } = setup();
    rtc.write(IRQ_ENABLED, 1, 4);
    writeAlarm(rtc, T0 + 1000n);
    expect(rtc.read(ALARM_STATUS, 4)).toBe(1);
    expect(rtc.read(ALARM_LOW, 4)).toBe(Number((T0 + 1000n) & 0xffff_ffffn));
    expect(rtc.read(ALARM_HIGH, 4)).toBe(Number((T0 + 1000n) >> 32n));
    expect(rtc.nextAlarmNs()).toBe(T0 + 1000n);
    advance(999n);
    rtc.poll();
    expect(level()).toBe(false);
    advance(1n);
    rtc.poll();
    expect(level()).toBe(true);
    expect(rtc.read(ALARM_STATUS, 4)).toBe(0);
    expect(rtc.nextAlarmNs()).toBeUndefined();
    rtc.write(IRQ_ENABLED, 0, 4);
    expect(level()).toBe(false);
    rtc.write(IRQ_ENABLED, 1, 4);
    expect(level()).toBe(true);
    rtc.write(CLEAR_INTERRUPT, 1, 4);
    expect(level()).toBe(false);
  });

  it('fires at once for an alarm in the past; CLEAR_ALARM disarms', () => {
    const { rtc, level, advance } = setup();
    rtc.write(IRQ_ENABLED, 1, 4);
    writeAlarm(rtc, T0 + 50n);
    rtc.write(CLEAR_ALARM, 1, 4);
    expect(rtc.read(ALARM_STATUS, 4)).toBe(0);
    advance(100n);
    rtc.poll();
    expect(level()).toBe(false);
    writeAlarm(rtc, T0);
    expect(level()).toBe(true);
  });

  it('reports alarms in host time when the guest clock is offset', () => {
    const { rtc } = setup();
    rtc.write(TIME_HIGH, 0, 4);
    rtc.write(TIME_LOW, 1000, 4);
    writeAlarm(rtc, 1500n);
    expect(rtc.nextAlarmNs()).toBe(T0 + 500n);
    rtc.poll(T0 + 499n);
    expect(rtc.read(ALARM_STATUS, 4)).toBe(1);
    rtc.poll(T0 + 500n);
    expect(rtc.read(ALARM_STATUS, 4)).toBe(0);
  });

  it('tolerates garbage accesses', () => {
    const { rtc, levels } = setup();
    expect(rtc.read(TIME_LOW, 1)).toBe(0);
    expect(rtc.read(0x20, 4)).toBe(0);
    expect(rtc.read(CLEAR_INTERRUPT, 4)).toBe(0);
    rtc.write(0x20, 1, 4);
    rtc.write(IRQ_ENABLED, 1, 2);
    expect(rtc.read(IRQ_ENABLED, 4)).toBe(0);
    expect(levels).toEqual([]);
    expect(rtc.ignoredAccesses).toBe(5);
  });
});
