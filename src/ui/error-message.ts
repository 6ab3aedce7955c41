import { VirtError } from '../manage/errors';
import { t } from './i18n/i18n.svelte';
import './messages';

/**
 * What the page says about a failed call. A VirtError reads as libvirt's
 * do, "<category>: <detail>", with the category (virErrorMsg's words) in
 * the page's language and the detail as the control API gave it.
 */
export function message(error: unknown): string {
  if (!(error instanceof VirtError)) return error instanceof Error ? error.message : String(error);
  const lead = t(`app:error.${error.code}`);
  // Messages that already start with libvirt's English category keep only the detail.
  const english = t(`app:error.${error.code}`, { lng: 'en' });
  const detail = error.message.startsWith(`${english}: `)
    ? error.message.slice(english.length + 2)
    : error.message;
  return t('app:error.format', { lead, detail });
}
