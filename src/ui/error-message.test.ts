import { afterEach, describe, expect, it } from 'vitest';
import { VirtError } from '../manage/errors';
import { message } from './error-message';
import { setLocale } from './i18n/i18n.svelte';

afterEach(() => setLocale('en'));

describe('message (a failed call, as the page says it)', () => {
  it("reads as libvirt's errors do: category, then detail", () => {
    expect(message(new VirtError('operation-invalid', 'domain is not running'))).toBe(
      'Requested operation is not valid: domain is not running',
    );
    // A detail that already carries the category is not doubled.
    expect(
      message(new VirtError('no-domain', "Domain not found: no domain with matching name 'x'")),
    ).toBe("Domain not found: no domain with matching name 'x'");
  });

  it('gives the category in the page language', () => {
    setLocale('zh-CN');
    expect(message(new VirtError('operation-invalid', 'domain is not running'))).toBe(
      '请求的操作无效：domain is not running',
    );
    expect(
      message(new VirtError('no-domain', "Domain not found: no domain with matching name 'x'")),
    ).toBe("未找到域：no domain with matching name 'x'");
  });

  it('passes other errors through', () => {
    expect(message(new Error('boom'))).toBe('boom');
    expect(message('plain')).toBe('plain');
  });
});
