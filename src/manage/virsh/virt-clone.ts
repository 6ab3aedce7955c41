import { formatDomainXml } from '../xml/domain-xml';
import type { Shell } from './command';
import { libvirtMessage } from './errors';

/**
 * virt-clone (virt-manager's virtinst/virtclone.py) for this host: there
 * are no disks to copy, so a clone is a new domain (new name and uuid)
 * whose VM starts from the original's state, its RAM shared copy-on-write
 * until either side writes. Unlike virt-clone, a running original is
 * cloned live (an instant snapshot); --snapshot clones from one of its
 * internal snapshots (ours). Messages and exit codes are virt-clone's.
 */

export const VIRT_CLONE_USAGE = 'usage: virt-clone --original [NAME] ...';

const HELP = `${VIRT_CLONE_USAGE}

Duplicate a virtual machine, changing all its unique configuration like its
name and UUID. Its memory is shared with the original copy-on-write.

options:
  -h, --help            show this help message and exit
  -o ORIGINAL_GUEST, --original ORIGINAL_GUEST
                        Name of the original guest to clone.
  -n NEW_NAME, --name NEW_NAME
                        Name for the new guest
  --auto-clone          Auto generate clone name
  --snapshot SNAPSHOT   Start the clone from this internal snapshot of the
                        original (ours, not in virt-clone)
  --paused              Leave the clone paused (ours)
  --print-xml           Print the generated domain XML rather than create the
                        guest.
`;

interface Request {
  original: string;
  name?: string;
  auto: boolean;
  snapshot?: string;
  paused: boolean;
  printXml: boolean;
}

class UsageError extends Error {}

function parse(argv: string[]): Request | 'help' {
  const req: Partial<Request> = { auto: false, paused: false, printXml: false };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const value = () => {
      if (raw.startsWith('--') && eq > 0) return raw.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`argument ${flag}: expected one argument`);
      return next;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '-o':
      case '--original':
        req.original = value();
        break;
      case '-n':
      case '--name':
        req.name = value();
        break;
      case '--auto-clone':
        req.auto = true;
        break;
      case '--snapshot':
        req.snapshot = value();
        break;
      case '--paused':
        req.paused = true;
        break;
      case '--print-xml':
        req.printXml = true;
        break;
      default:
        throw new UsageError(`unrecognized arguments: ${raw}`);
    }
  }
  if (req.original === undefined)
    throw new UsageError('the following arguments are required: --original');
  return req as Request;
}

/** Runs virt-clone's command line; its exit status (0, 1 for an error, 2 for a usage error). */
export async function virtClone(sh: Shell, argv: string[]): Promise<number> {
  let req: Request | 'help';
  try {
    req = parse(argv);
  } catch (error) {
    sh.io.err(`${VIRT_CLONE_USAGE}\nvirt-clone: error: ${(error as Error).message}\n`);
    return 2;
  }
  if (req === 'help') {
    sh.print(HELP);
    return 0;
  }
  const fail = (text: string) => {
    sh.io.err(`ERROR    ${text}\n`);
    return 1;
  };
  const existing = new Set((await sh.api.list()).map((d) => d.name));
  if (!existing.has(req.original)) return fail(`Domain '${req.original}' was not found.`);
  let name = req.name;
  if (name === undefined) {
    if (!req.auto)
      return fail(
        'A name is required for the new virtual machine. Use --name NEW_NAME or --auto-clone.',
      );
    name = `${req.original}-clone`;
    for (let n = 1; existing.has(name); n++) name = `${req.original}-clone-${n}`;
  }
  if (existing.has(name))
    return fail(`Invalid name for new guest: Guest name '${name}' is already in use.`);
  if (req.printXml) {
    const def = await sh.api.domainDef(req.original);
    const { uuid: _uuid, ...rest } = def;
    const xml = formatDomainXml({ ...rest, name, uuid: '00000000-0000-0000-0000-000000000000' });
    sh.print(xml.replace(/ *<uuid>0{8}-0{4}-0{4}-0{4}-0{12}<\/uuid>\n/, ''));
    return 0;
  }
  try {
    await sh.api.clone(req.original, {
      name,
      ...(req.snapshot !== undefined ? { snapshot: req.snapshot } : {}),
      paused: req.paused,
    });
  } catch (error) {
    return fail(libvirtMessage(error));
  }
  sh.print(`\nClone '${name}' created successfully.\n`);
  return 0;
}
