import { domainOpt, type CommandDef, type Shell } from './command';
import { VshError, failed } from './errors';

/**
 * virsh's save commands (libvirt tools/virsh-domain.c): a domain's whole
 * state to a save-image file and back, and the host-kept managed save.
 */

const bool = (name: string, help: string) => ({ name, type: 'bool' as const, help });

async function readImage(sh: Shell, path: string): Promise<Uint8Array> {
  if (!sh.io.readBinary) throw new VshError('this virsh cannot read binary files');
  try {
    return await sh.io.readBinary(path);
  } catch (error) {
    throw new VshError(`Failed to open file '${path}': ${(error as Error).message}`);
  }
}

const save: CommandDef = {
  name: 'save',
  group: 'domain',
  help: 'save a domain state to a file',
  desc: 'Save the RAM state of a running domain.',
  opts: [
    domainOpt(),
    {
      name: 'file',
      type: 'string',
      positional: true,
      required: true,
      help: 'where to save the data',
    },
    bool('bypass-cache', 'avoid file system cache when saving'),
    { name: 'xml', type: 'string', help: 'filename containing updated XML for the target' },
    bool('running', 'set domain to be running on restore'),
    bool('paused', 'set domain to be paused on restore'),
    bool('verbose', 'display the progress of save'),
  ],
  async run(sh, args) {
    args.exclusive('running', 'paused');
    const d = await sh.domain(args.need('domain'));
    const file = args.need('file');
    if (args.has('xml'))
      throw new VshError(
        'unsupported configuration: --xml: save the domain, then use save-image-define',
      );
    if (!sh.io.writeBinary) throw new VshError('this virsh cannot write files');
    try {
      const image = await sh.api.save(d.name, {
        running: args.has('running'),
        paused: args.has('paused'),
      });
      await sh.io.writeBinary(file, image);
    } catch (error) {
      throw failed(`Failed to save domain '${d.name}' to ${file}`, error);
    }
    sh.extra(`\nDomain '${d.name}' saved to ${file}\n`);
  },
};

const restore: CommandDef = {
  name: 'restore',
  group: 'domain',
  help: 'restore a domain from a saved state in a file',
  desc: 'Restore a domain.',
  opts: [
    {
      name: 'file',
      type: 'string',
      positional: true,
      required: true,
      help: 'the state to restore',
    },
    bool('bypass-cache', 'avoid file system cache when restoring'),
    { name: 'xml', type: 'string', help: 'filename containing updated XML for the target' },
    bool('running', 'restore domain into running state'),
    bool('paused', 'restore domain into paused state'),
    bool('reset-nvram', 're-initialize NVRAM from its pristine template'),
  ],
  async run(sh, args) {
    args.exclusive('running', 'paused');
    const file = args.need('file');
    const image = await readImage(sh, file);
    let xml: string | undefined;
    const xmlFile = args.string('xml');
    if (xmlFile !== undefined) {
      try {
        xml = await sh.io.readFile(xmlFile);
      } catch (error) {
        throw new VshError(
          `Failed to read file '${xmlFile}' to restore: ${(error as Error).message}`,
        );
      }
    }
    try {
      await sh.api.restore(image, {
        running: args.has('running'),
        paused: args.has('paused'),
        ...(xml !== undefined ? { xml } : {}),
      });
    } catch (error) {
      throw failed(`Failed to restore domain from ${file}`, error);
    }
    sh.extra(`Domain restored from ${file}\n`);
  },
};

const saveImageDumpxml: CommandDef = {
  name: 'save-image-dumpxml',
  group: 'domain',
  help: 'saved state domain information in XML',
  desc: 'Dump XML of domain information for a saved state file to stdout.',
  opts: [
    {
      name: 'file',
      type: 'string',
      positional: true,
      required: true,
      help: 'saved state file to read',
    },
    bool('security-info', 'include security sensitive information in XML dump'),
  ],
  async run(sh, args) {
    const file = args.need('file');
    const image = await readImage(sh, file);
    try {
      sh.print(await sh.api.saveImageXml(image));
    } catch (error) {
      throw failed(`Failed to read the saved state file '${file}'`, error);
    }
  },
};

const managedsave: CommandDef = {
  name: 'managedsave',
  group: 'domain',
  help: 'managed save of a domain state',
  desc:
    'Save and destroy a running domain, so it can be restarted from\n' +
    "    the same state at a later time.  When the virsh 'start'\n" +
    '    command is next run for the domain, it will automatically\n' +
    '    be started from this saved state.',
  opts: [
    domainOpt(),
    bool('bypass-cache', 'avoid file system cache when saving'),
    bool('running', 'set domain to be running on next start'),
    bool('paused', 'set domain to be paused on next start'),
    bool('verbose', 'display the progress of save'),
  ],
  async run(sh, args) {
    args.exclusive('running', 'paused');
    const d = await sh.domain(args.need('domain'));
    try {
      await sh.api.managedSave(d.name, {
        running: args.has('running'),
        paused: args.has('paused'),
      });
    } catch (error) {
      throw failed(`Failed to save domain '${d.name}' state`, error);
    }
    sh.extra(`\nDomain '${d.name}' state saved by libvirt\n`);
  },
};

const managedsaveRemove: CommandDef = {
  name: 'managedsave-remove',
  group: 'domain',
  help: 'Remove managed save of a domain',
  desc: 'Remove an existing managed save state file from a domain',
  opts: [domainOpt()],
  async run(sh, args) {
    const d = await sh.domain(args.need('domain'));
    let removed: boolean;
    try {
      removed = await sh.api.managedSaveRemove(d.name);
    } catch (error) {
      throw failed(`Failed to remove managed save image for domain '${d.name}'`, error);
    }
    sh.print(
      removed
        ? `Removed managedsave image for domain '${d.name}'\n`
        : `Domain '${d.name}' has no manage save image; removal skipped\n`,
    );
  },
};

export const SAVE_COMMANDS: CommandDef[] = [
  managedsave,
  managedsaveRemove,
  restore,
  save,
  saveImageDumpxml,
];
