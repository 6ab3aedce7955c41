import { addMessages, type Messages } from './i18n/i18n.svelte';

/** The app shell's strings (namespace `app`). */
export const NS = 'app';

const messages: Messages = {
  en: {
    title: 'VirtLab',
    tagline: 'A real hypervisor in a browser tab',
  },
  'zh-CN': {
    title: 'VirtLab',
    tagline: '浏览器标签页里的真实虚拟机监控器',
  },
};
addMessages(NS, messages);
export default messages;
