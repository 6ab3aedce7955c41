import { formatDomainXml } from '../xml/domain-xml';
import { domainOpt, type CommandDef, type Shell } from './command';
import { parseXml } from './commands-domain';
import { VshError, reported } from './errors';

/**
 * virsh edit (libvirt tools/virsh-edit.c): the persistent definition in the
 * user's editor, defined again when saved; on an error, libvirt's
 * "Failed. Try again? [y,n,i,f,?]:" (vshAskReedit).
 */

const REEDIT = 'Failed. Try again? [y,n,i,f,?]: ';
const REEDIT_HELP =
  'y - yes, start editor again\n' +
  'n - no, throw away my changes\n' +
  'i - turn off validation and try to redefine again\n' +
  'f - force, try to redefine again\n' +
  '? - print this help\n';

/** vshAskReedit: 'y', 'n', 'i' or 'f'; 'n' when nobody can answer (no terminal). */
async function askReedit(sh: Shell): Promise<'y' | 'n' | 'i' | 'f'> {
  if (!sh.io.ask) return 'n';
  for (;;) {
    const answer = (await sh.io.ask(REEDIT)).trim().toLowerCase();
    if (answer === 'y' || answer === 'n' || answer === 'i' || answer === 'f') return answer;
    sh.print(REEDIT_HELP);
  }
}

const edit: CommandDef = {
  name: 'edit',
  group: 'domain',
  help: 'edit XML configuration for a domain',
  desc: 'Edit the XML configuration for a domain.',
  opts: [
    domainOpt(),
    { name: 'skip-validate', type: 'bool', help: 'skip validation of the XML against the schema' },
  ],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'), { id: true });
    if (!sh.io.editText)
      throw new VshError(
        'this virsh has no editor: use dumpxml --inactive, change the file, then define it',
      );
    let original: string;
    try {
      original = formatDomainXml(await sh.api.domainDef(d.name, { inactive: true }));
    } catch (error) {
      throw reported(error);
    }
    let text = original;
    for (;;) {
      text = await sh.io.editText(text, '.xml');
      if (text === original) {
        sh.print(`Domain '${d.name}' XML configuration not changed.\n`);
        return;
      }
      // Define what was saved; on failure ask, and redefine ('i', 'f') or edit again ('y').
      for (;;) {
        try {
          const def = parseXml(sh, text);
          await sh.api.define(def);
          sh.print(`Domain '${def.name}' XML configuration edited.\n`);
          return;
        } catch (error) {
          for (const line of reported(error).lines) sh.io.err(`error: ${line}\n`);
        }
        const answer = await askReedit(sh);
        // 'n': the changes are thrown away and the command fails, with nothing more to say.
        if (answer === 'n') throw new VshError();
        if (answer === 'y') break;
      }
    }
  },
};

export const EDIT_COMMANDS: CommandDef[] = [edit];
