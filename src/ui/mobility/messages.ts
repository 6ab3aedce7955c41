import { addMessages, type Messages } from '../i18n/i18n.svelte';

/** Save, restore, managed save, snapshots and clones (namespace `mob`). */
export const NS = 'mob';

const messages: Messages = {
  en: {
    saveFile: 'Save to file…',
    saveFileVm:
      'Save {{name}} to a file (virsh save): its whole state downloads as {{file}} and the VM shuts off',
    saving: 'Saving…',
    managedSave: 'Save and stop',
    migrate: 'Migrate…',
    migrateVm:
      'Move {{name}} to another host while it runs (virsh migrate --live): opens the migration view',
    managedSaveVm:
      'Save the state of {{name}} inside the host and stop it (virsh managedsave); Start resumes it',
    hasSaved: 'Saved state kept: Start resumes it',
    hasSavedTitle:
      'The host keeps the state of {{name}} from “Save and stop” (virsh managedsave); Start resumes the VM from it instead of booting.',
    discardSaved: 'Discard saved state',
    discardSavedVm: 'Discard the saved state of {{name}} (virsh managedsave-remove)',
    confirmDiscard:
      'Discard the saved state of {{name}}? Start will then boot it afresh (virsh managedsave-remove).',
    restoreFile: 'Restore…',
    restoreFileLabel: 'Restore a VM from a save file (virsh restore)',
    restoring: 'Restoring…',
    tooLarge: '{{file}} is larger than {{max}} MiB',
    snapshotsTitle: 'Snapshots of {{name}}',
    snapshotsIntro:
      'A snapshot keeps the VM’s whole state (vCPUs, devices and RAM) inside the host; its memory is shared copy-on-write with the running VM until one of them writes. Revert goes back to it; a clone is a new VM that starts from it.',
    takeTitle: 'Take a snapshot',
    snapName: 'Name',
    snapNamePlaceholder: 'optional (default: the time)',
    snapDescription: 'Description',
    snapDescriptionPlaceholder: 'optional',
    take: 'Take snapshot',
    takeVm: 'Take a snapshot of {{name}} (virsh snapshot-create-as)',
    taking: 'Taking…',
    listTitle: 'Snapshot tree',
    none: 'No snapshots yet.',
    colName: 'Name',
    colCreated: 'Created',
    colState: 'State',
    colMemory: 'Memory',
    colMemoryTitle:
      'Guest memory the snapshot holds: its pages are shared copy-on-write with the VM and its clones, so most cost no host memory of their own',
    colActions: 'Actions',
    downloadSnapShort: 'Save to file',
    downloadSnap:
      'Save snapshot {{snap}} of {{name}} to a file (virsh snapshot-save, ours): Restore… brings that state back, here or in another tab',
    current: 'current',
    currentTitle: 'The current snapshot: the last one taken or reverted to; a new one is its child',
    childOf: 'child of {{parent}}',
    stateRunning: 'running',
    statePaused: 'paused',
    stateShutoff: 'shut off',
    memory: '{{mib}} MiB',
    revert: 'Revert',
    revertSnap: 'Revert {{name}} to snapshot {{snap}} (virsh snapshot-revert)',
    confirmRevert:
      'Revert {{name}} to snapshot {{snap}}? What the VM did since it was taken is lost (virsh snapshot-revert).',
    deleteSnap: 'Delete',
    deleteSnapLabel: 'Delete snapshot {{snap}} of {{name}} (virsh snapshot-delete)',
    confirmDeleteSnap:
      'Delete snapshot {{snap}} of {{name}}? Its children stay, attached to its parent (virsh snapshot-delete).',
    clone: 'Clone…',
    cloneVm: 'Clone {{name}} as it is now (virt-clone)',
    cloneSnap: 'Clone {{name}} from snapshot {{snap}} (virt-clone --snapshot)',
    cloneTitle: 'Clone {{name}}',
    cloneTitleSnap: 'Clone {{name}} from snapshot {{snap}}',
    cloneHint:
      'A new VM with its own name and UUID that starts where {{name}} is now. Its RAM is shared copy-on-write: it costs host memory only as the two VMs write.',
    cloneHintSnap:
      'A new VM with its own name and UUID that starts from snapshot {{snap}} of {{name}}. Its RAM is shared copy-on-write: it costs host memory only as the VMs write.',
    cloneName: 'Name of the new VM',
    cloneCreate: 'Clone',
    cloning: 'Cloning…',
    virshSays: 'The same in virsh:',
  },
  'zh-CN': {
    saveFile: '保存到文件…',
    saveFileVm: '把 {{name}} 保存到文件（virsh save）：其完整状态下载为 {{file}}，虚拟机随后关闭',
    saving: '正在保存…',
    migrate: '迁移…',
    migrateVm: '在 {{name}} 运行时把它搬到另一台宿主机（virsh migrate --live）：打开迁移视图',
    managedSave: '保存并停止',
    managedSaveVm:
      '在宿主机中保存 {{name}} 的状态并停止它（virsh managedsave）；启动时从该状态恢复',
    hasSaved: '已保存状态：启动将从此恢复',
    hasSavedTitle:
      '宿主机保存着 {{name}} 通过“保存并停止”（virsh managedsave）留下的状态；启动时从该状态恢复，而不是重新引导。',
    discardSaved: '丢弃保存的状态',
    discardSavedVm: '丢弃 {{name}} 保存的状态（virsh managedsave-remove）',
    confirmDiscard: '丢弃 {{name}} 保存的状态？之后启动将重新引导（virsh managedsave-remove）。',
    restoreFile: '恢复…',
    restoreFileLabel: '从保存文件恢复虚拟机（virsh restore）',
    restoring: '正在恢复…',
    tooLarge: '{{file}} 超过 {{max}} MiB',
    snapshotsTitle: '{{name}} 的快照',
    snapshotsIntro:
      '快照在宿主机中保存虚拟机的完整状态（vCPU、设备和内存）；在任一方写入之前，它的内存与运行中的虚拟机以写时复制方式共享。“回滚”回到该快照；“克隆”创建一台从该快照开始运行的新虚拟机。',
    takeTitle: '创建快照',
    snapName: '名称',
    snapNamePlaceholder: '可选（默认：当前时间）',
    snapDescription: '描述',
    snapDescriptionPlaceholder: '可选',
    take: '创建快照',
    takeVm: '为 {{name}} 创建快照（virsh snapshot-create-as）',
    taking: '正在创建…',
    listTitle: '快照树',
    none: '还没有快照。',
    colName: '名称',
    colCreated: '创建时间',
    colState: '状态',
    colMemory: '内存',
    colMemoryTitle:
      '快照保存的客户机内存：这些页面与虚拟机及其克隆以写时复制方式共享，大多不单独占用宿主机内存',
    colActions: '操作',
    downloadSnapShort: '保存到文件',
    downloadSnap:
      '把 {{name}} 的快照 {{snap}} 保存到文件（virsh snapshot-save，我们自己的命令）：“恢复…”可以在这里或另一个标签页中恢复这个状态',
    current: '当前',
    currentTitle: '当前快照：最近创建或回滚到的快照；新快照会成为它的子快照',
    childOf: '{{parent}} 的子快照',
    stateRunning: '运行中',
    statePaused: '已暂停',
    stateShutoff: '已关机',
    memory: '{{mib}} MiB',
    revert: '回滚',
    revertSnap: '把 {{name}} 回滚到快照 {{snap}}（virsh snapshot-revert）',
    confirmRevert:
      '把 {{name}} 回滚到快照 {{snap}}？虚拟机在此之后所做的一切都会丢失（virsh snapshot-revert）。',
    deleteSnap: '删除',
    deleteSnapLabel: '删除 {{name}} 的快照 {{snap}}（virsh snapshot-delete）',
    confirmDeleteSnap:
      '删除 {{name}} 的快照 {{snap}}？它的子快照会保留，并挂到它的父快照下（virsh snapshot-delete）。',
    clone: '克隆…',
    cloneVm: '按当前状态克隆 {{name}}（virt-clone）',
    cloneSnap: '从快照 {{snap}} 克隆 {{name}}（virt-clone --snapshot）',
    cloneTitle: '克隆 {{name}}',
    cloneTitleSnap: '从快照 {{snap}} 克隆 {{name}}',
    cloneHint:
      '一台拥有自己名称和 UUID 的新虚拟机，从 {{name}} 当前的状态开始运行。它的内存以写时复制方式共享：只有当两台虚拟机写入时才占用宿主机内存。',
    cloneHintSnap:
      '一台拥有自己名称和 UUID 的新虚拟机，从 {{name}} 的快照 {{snap}} 开始运行。它的内存以写时复制方式共享：只有当虚拟机写入时才占用宿主机内存。',
    cloneName: '新虚拟机的名称',
    cloneCreate: '克隆',
    cloning: '正在克隆…',
    virshSays: '在 virsh 中：',
  },
};
addMessages(NS, messages);
export default messages;
