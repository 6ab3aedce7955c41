import type { DomainSummary } from '../control-api';
import { configOpt, currentOpt, domainOpt, liveOpt, type CommandDef, type Shell } from './command';
import { VshError, failed } from './errors';

/**
 * Small domain commands of libvirt's tools/virsh-domain.c and
 * virsh-domain-monitor.c: domid, domname, domuuid, autostart, desc. Output
 * formats and messages are libvirt's.
 */

/** cmdDomname looks a domain up by id or uuid only (VIRSH_BYID | VIRSH_BYUUID). */
async function byIdOrUuid(sh: Shell, text: string): Promise<DomainSummary> {
  const domains = await sh.api.list();
  const found =
    (/^\d+$/.test(text) ? domains.find((d) => d.id === Number(text)) : undefined) ??
    domains.find((d) => d.uuid.toLowerCase() === text.toLowerCase());
  if (!found) throw new VshError(`failed to get domain '${text}'`);
  return found;
}

const domid: CommandDef = {
  name: 'domid',
  group: 'domain',
  help: 'convert a domain name or UUID to domain id',
  desc: '',
  opts: [domainOpt('domain name or uuid')],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'));
    // An inactive domain has no id: virsh prints '-'.
    sh.print(`${d.id === null ? '-' : d.id}\n`);
  },
};

const domname: CommandDef = {
  name: 'domname',
  group: 'domain',
  help: 'convert a domain id or UUID to domain name',
  desc: '',
  opts: [domainOpt('domain id or uuid')],
  async run(sh, args) {
    sh.print(`${(await byIdOrUuid(sh, args.need('domain'))).name}\n`);
  },
};

const domuuid: CommandDef = {
  name: 'domuuid',
  group: 'domain',
  help: 'convert a domain name or id to domain UUID',
  desc: '',
  opts: [domainOpt('domain id or name')],
  async run(sh, args) {
    sh.print(`${(await sh.domain(args.need('domain'), { id: true })).uuid}\n`);
  },
};

const autostart: CommandDef = {
  name: 'autostart',
  group: 'domain',
  help: 'autostart a domain',
  desc: 'Configure a domain to be automatically started at boot.',
  opts: [domainOpt(), { name: 'disable', type: 'bool', help: 'disable autostarting' }],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'), { id: true });
    const enable = !args.has('disable');
    try {
      await sh.api.setAutostart(d.name, enable);
    } catch (error) {
      throw failed(
        `Failed to ${enable ? 'mark' : 'unmark'} domain '${d.name}' as autostarted`,
        error,
      );
    }
    sh.print(`Domain '${d.name}' ${enable ? 'marked' : 'unmarked'} as autostarted\n`);
  },
};

const desc: CommandDef = {
  name: 'desc',
  group: 'domain',
  help: "show or set domain's description or title",
  desc: 'Allows setting or modifying the description or title of a domain.',
  opts: [
    domainOpt(),
    liveOpt('modify/get running state'),
    configOpt('modify/get persistent state'),
    currentOpt('modify/get current state'),
    { name: 'title', type: 'bool', help: 'modify/get the title instead of description' },
    { name: 'edit', type: 'bool', help: 'open an editor to modify the description' },
    {
      name: 'new-desc',
      type: 'argv',
      positional: true,
      allowEmpty: true,
      help: 'message',
    },
  ],
  async run(sh, args) {
    args.exclusive('current', 'live');
    args.exclusive('current', 'config');
    const d = await sh.domain(args.need('domain'), { id: true });
    const title = args.has('title');
    const what = title ? 'title' : 'description';
    const affect = { live: args.has('live'), config: args.has('config') };
    const words = args.argv('new-desc');
    // --config reads the persistent definition; otherwise the current one.
    const def = await sh.api.domainDef(d.name, { inactive: affect.config });
    const current = (title ? def.title : def.description) ?? '';
    if (words.length === 0 && !args.has('edit')) {
      if (current !== '') sh.print(`${current}\n`);
      else sh.extra(`No ${what} for domain: ${d.name}\n`);
      return;
    }
    let text = words.join(' ');
    if (args.has('edit')) {
      if (!sh.io.editText) throw new VshError('Cannot edit without an editor ($EDITOR)');
      let edited = await sh.io.editText(words.length ? text : current, '.txt');
      // An editor may add a newline at the end of a title (virsh strips it).
      if (title && edited.endsWith('\n')) edited = edited.slice(0, -1);
      if (edited === current) {
        sh.print(`Domain ${what} not changed\n`);
        return;
      }
      text = edited;
    }
    try {
      await sh.api.setMetadata(d.name, title ? { title: text } : { description: text }, affect);
    } catch (error) {
      throw failed(`Failed to set new domain ${what}`, error);
    }
    sh.extra(`Domain ${what} updated successfully\n`);
  },
};

export const INFO_COMMANDS: CommandDef[] = [autostart, desc, domid, domname, domuuid];
