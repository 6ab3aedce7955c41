import { addMessages, type Messages } from '../i18n/i18n.svelte';

/** The memory views' strings (namespace `memory`). */
export const NS = 'memory';

const messages: Messages = {
  en: {
    loading: 'Loading…',
    legend: 'Legend',

    'kind.free': 'free',
    'kind.private': 'private',
    'kind.ksm': 'KSM page (shared)',
    'kind.zero': 'zero frame',
    'kind.balloon': 'returned by a balloon',
    'kind.overhead': 'host overhead',
    'kind.snapshot': 'shared with a snapshot',
    'kind.changed': 'just changed',
    'kindHelp.ksm':
      'one frame mapped read-only by several guest pages; a write to it takes a copy-on-write (COW) fault and gets a private copy. Striped in the colours of the VMs sharing it.',
    'kindHelp.zero':
      'the one frame that is all zeroes forever; with use_zero_pages, ksmd maps empty guest pages to it.',
    'kindHelp.balloon':
      'free again because a guest gave the page holding it to its balloon (or reported it free); purple until the pool hands it out again.',
    'kindHelp.overhead':
      'the host’s own: taken from the pool but mapped by no guest (the memory reserved for each running VM’s own workers, 18 MiB each, a KSM page ksmd has not pruned yet, or a frame only a snapshot holds), and the pCPUs’ JIT frames at the top of RAM.',
    'kindHelp.snapshot':
      'a frame a snapshot holds and a VM still maps read-only: its own snapshot’s, a clone’s source or quick boot’s template (frames the snapshot alone holds count as host overhead). A write by the VM takes a copy-on-write fault, as with KSM.',
    'kindHelp.free': 'on the frame pool’s free list (reference count 0).',
    'kindHelp.changed':
      'its owner or kind changed since the last scan: a merge, a COW break, a balloon move, a new page. Fades within a second.',

    'map.title': 'Host RAM, frame by frame',
    'map.lead':
      'Every 4 KiB frame of host RAM, laid out along a Hilbert curve so that contiguous memory stays together, coloured by the VM that owns it.',
    'map.label': 'Host frame map, {{frames}} frames. Arrow keys move the cursor, + and − zoom.',
    'map.help':
      'Hover a cell, or focus the map and use the arrow keys, to see the frame and every guest page mapping it; + and − zoom.',
    'map.perFrame': 'one cell per frame ({{px}} px)',
    'map.perCell': '{{frames}} frames per cell ({{kib}} KiB): each cell shows its most common kind',
    'map.zoomIn': 'Zoom in on the host frame map',
    'map.zoomOut': 'Zoom out of the host frame map',
    'map.cost': 'scan {{ms}} ms',
    'map.costHelp':
      'Time the page spends reading the frame pool and every p2m table, four times a second',
    'map.frame': 'Frame {{frame}}',
    'map.frames': 'Frames {{first}}–{{last}}',
    'map.sharers': '{{n}} guest pages share it',
    'map.zeroOwners': 'mapped read-only by every empty page ksmd merged with it',
    'map.gpa': 'guest-physical',
    'map.readOnly': 'read-only, COW',
    'map.more': 'and {{n}} more',
    'map.hint':
      'Point at a frame to see its owners: the domain and the guest-physical address (guest RAM starts at {{base}}).',
    'map.ksmMappings': '({{n}} guest pages map them)',

    'host.title': 'Host memory',
    'host.ramTitle': 'Host RAM: {{ram}} MiB',
    'host.private': '{{name}} (private)',
    'host.ofRam': 'of {{ram}} MiB host RAM',
    'host.usedPoll': 'guest RAM in use (hostInfo):',
    'host.freePoll': 'free (hostInfo):',
    'host.guestTitle': 'Guest memory touched: {{touched}}',
    'host.guestLabel':
      'Guest memory touched {{touched}}: {{backed}} backed by host frames, {{saved}} saved by sharing (KSM, the zero frame, snapshots; {{pct}} %)',
    'host.backed': 'backed by host frames',
    'host.savedKsm': 'saved by KSM (pages_sharing)',
    'host.savedZero': 'saved by the zero frame (ksm_zero_pages)',
    'host.savedSnapshot': 'saved by sharing with a snapshot (clones, quick boot)',
    'host.summary':
      'Sharing saves {{saved}}, {{pct}} % of the memory the guests have touched. The running guests may use up to {{max}} on a {{ram}} MiB host (overcommit {{ratio}}×); their balloons and free page reporting have given back {{freed}} so far.',

    'policy.title': 'Balloon policy',
    'policy.switch': 'Automatic balloon policy',
    'policy.help':
      'When host free memory falls below 10 %, inflate the balloons of guests with free memory (only balloons with autodeflate); above 25 %, give it back. A guest under pressure gets its memory back at once.',
    'policy.empty': 'No decisions yet: the host has had enough free memory.',
    'policy.inflate': 'inflate',
    'policy.deflate': 'deflate',
    'policy.resume': 'resume',

    'ksm.title': 'KSM: kernel samepage merging',
    'ksm.lead':
      'ksmd scans the guests’ pages in batches and merges identical ones into one write-protected frame.',
    'ksm.presets': 'KSM speed presets',
    'ksm.preset.slow': 'Slow motion',
    'ksm.preset.normal': 'Linux default',
    'ksm.preset.fast': 'Fast',
    'ksm.presetHelp':
      'slow motion: 20 pages every 200 ms, to watch merges land one by one on the map',
    'ksm.run.0': 'stop',
    'ksm.run.1': 'run',
    'ksm.run.2': 'unmerge all',
    'ksm.knob.pages_to_scan': 'pages ksmd checks per batch',
    'ksm.knob.sleep_millisecs': 'pause between batches, ms',
    'ksm.knob.max_page_sharing':
      'most guest pages per KSM page (≥ 2); more start a duplicate. Fixed while pages are shared.',
    'ksm.knob.use_zero_pages': 'merge empty pages with the zero frame (counted in ksm_zero_pages)',
    'ksm.knob.smart_scan':
      'skip pages that keep failing to merge, for 1, 2, 4, then 8 scans (pages_skipped)',
    'ksm.status.stopped': 'stopped (run = 0)',
    'ksm.status.unmerging': 'unmerging every KSM page (run = 2)',
    'ksm.status.unmerged': 'stopped, every page unmerged (run = 2)',
    'ksm.status.unmergeNomem': 'unmerge stopped: the host ran out of memory for the copies',
    'ksm.status.idle': 'idle: no running guest allows merging',
    'ksm.status.scanning': 'scanning',
    'ksm.status.sleeping': 'sleeping ({{ms}} ms between batches)',
    'ksm.progress':
      'full_scans {{scans}} · pages_scanned {{scanned}} ({{rate}}/s) · busy {{busy}} %',
    'ksm.pass.stable':
      'Stable tree: if an identical KSM page exists, map this page to it (read-only) and free its frame.',
    'ksm.pass.volatile':
      'Volatile: if the page’s checksum changed since the last full scan, it is still being written; remember the checksum and move on.',
    'ksm.pass.zero': 'With use_zero_pages, an empty page is mapped to the zero frame.',
    'ksm.pass.unstable':
      'Unstable tree: if an identical page was seen this scan, merge both into a new KSM page (it moves to the stable tree).',
    'ksm.pass.insert':
      'Otherwise insert the page into the unstable tree, which is emptied at the start of every full scan.',
    'ksm.volatileJumps':
      'Why pages_volatile jumps: it is not a count of pages seen changing, but every page ksmd tracks minus those in the trees (rmap items − shared − sharing − unshared), as in Linux. The unstable tree is emptied when a full scan starts, so every “unshared” page becomes “volatile” at once, then moves back one batch at a time as the scan reaches it.',
    'ksm.stat.pages_shared': 'KSM pages in use: one frame each, mapped by several guest pages',
    'ksm.stat.pages_sharing': 'guest pages mapping a KSM page beyond the first: pages saved',
    'ksm.stat.pages_unshared': 'pages unique so far, waiting in the unstable tree',
    'ksm.stat.pages_volatile': 'tracked pages in neither tree: changing, or not reached this scan',
    'ksm.stat.ksm_zero_pages': 'empty pages mapped to the zero frame',
    'ksm.stat.full_scans': 'passes over every page of every mergeable guest',
    'ksm.stat.pages_skipped': 'pages smart_scan skipped (cumulative)',
    'ksm.stat.stable_node_chains': 'contents that reached max_page_sharing',
    'ksm.stat.stable_node_dups': 'extra KSM pages for those contents',
    'ksm.stat.general_profit': '(pages_sharing + ksm_zero_pages) × 4 KiB minus ksmd’s bookkeeping',
    'ksm.ratio': 'sharing : shared',
    'ksm.ratioHelp': 'guest pages per KSM page: higher means each merge saves more',

    'chart.pages': 'ksmd pages',
    'chart.savings': 'Saved vs offered (MiB)',
    'chart.saved': 'saved',
    'chart.offered': 'offered',
    'chart.ratioTitle': 'pages_sharing : pages_shared',
    'chart.ratio': 'ratio',

    'dom.unknown': 'No domain named {{name}}.',
    'dom.title': 'Memory of {{name}}',
    'dom.ksmOn': 'KSM allowed',
    'dom.ksmOff': 'nosharepages',
    'dom.noBalloon': 'no balloon',
    'dom.noBalloonHelp':
      'This domain has no balloon device, so its memory cannot change while it runs.',
    'dom.guestView': 'As the guest sees it (maximum {{max}})',
    'dom.hostView': 'As the host backs it (same scale)',
    'dom.barLabel':
      '{{name}}: {{used}} used, {{free}} free, {{balloon}} in the balloon (target {{target}}) of {{max}}',
    'dom.rssLabel':
      '{{name}}: {{rss}} resident on the host, {{merged}} of it in KSM pages, of {{max}}',
    'dom.used': 'Guest used',
    'dom.usedHelp': 'current memory minus the guest’s free memory (MemFree)',
    'dom.usedNoStats': 'the whole current memory: the guest has sent no balloon statistics yet',
    'dom.free': 'Guest free',
    'dom.freeHelp': 'MemFree from the balloon’s statistics: memory the guest is not using',
    'dom.balloon': 'Balloon',
    'dom.balloonHelp':
      'guest pages inside the balloon: the guest cannot use them, the host may reuse their frames',
    'dom.target': 'Balloon target',
    'dom.targetHelp': 'the size the host asked for (the dashed line); the balloon moves toward it',
    'dom.rss': 'Host resident (rss)',
    'dom.rssHelp':
      'host frames backing this guest now: pages are backed on first touch, so this is usually less than the guest uses',
    'dom.merged': 'of which KSM-merged',
    'dom.mergedHelp': 'guest pages mapped to shared KSM pages (ksm_merging_pages)',
    'dom.balloonTotals':
      'Since boot: inflated {{inflated}}, deflated {{deflated}}, reported free {{reported}}; host frames given back {{freed}}.',
    'dom.untouched':
      'The balloon took {{inflated}} of guest pages but gave back only {{freed}} of host frames: {{untouched}} of those pages had never been touched, so no host frame backed them and inflating them freed nothing. The guest hands the balloon its free pages first, and free pages of an idle guest were never written. Dirty the guest’s memory first (run a program that fills it), then inflate, to see host free memory rise.',
    'dom.setmemTitle': 'Balloon target',
    'dom.setmem': 'Memory of {{name}} (setmem)',
    'dom.setmemLive': 'Moves the balloon now, like',
    'dom.setmemOff': 'The memory it boots with, like',
    'dom.period': 'Statistics period of {{name}}, s',
    'dom.memstat': 'Balloon statistics',

    'guestMap.title': 'Guest-physical memory, page by page',
    'guestMap.label': 'Page map of {{name}}: {{summary}}',
    'guestMap.caption': '{{pages}} pages from 0x80000000, row by row',
    'page.untouched': 'untouched',
    'page.private': 'private frame',
    'page.ksm': 'KSM-shared',
    'page.zero': 'zero frame',
    'page.balloon': 'in the balloon',

    'stat.actual': 'current memory (maximum minus the balloon), KiB',
    'stat.available': 'the guest’s total memory (MemTotal), KiB',
    'stat.usable': 'memory the guest could use without swapping (MemAvailable), KiB',
    'stat.unused': 'the guest’s free memory (MemFree), KiB',
    'stat.disk_caches': 'page cache the guest could drop, KiB',
    'stat.rss': 'host memory backing the guest (from the p2m), KiB',
    'stat.swap_in': 'swapped in, KiB',
    'stat.swap_out': 'swapped out, KiB',
    'stat.major_fault': 'major page faults',
    'stat.minor_fault': 'minor page faults',
    'stat.last_update': 'when the guest last sent statistics, s since 1970',
  },
  'zh-CN': {
    loading: '加载中…',
    legend: '图例',

    'kind.free': '空闲',
    'kind.private': '私有',
    'kind.ksm': 'KSM 共享页',
    'kind.zero': '零页',
    'kind.balloon': '气球归还',
    'kind.overhead': '宿主机开销',
    'kind.snapshot': '与快照共享',
    'kind.changed': '刚刚变化',
    'kindHelp.ksm':
      '一个物理帧被多个客户机页只读映射；写入会触发写时复制（COW）缺页，得到私有副本。条纹颜色是共享它的虚拟机的颜色。',
    'kindHelp.zero': '永远全为零的那一帧；开启 use_zero_pages 时，ksmd 把空页映射到它。',
    'kindHelp.balloon':
      '客户机把占用它的页交给了气球（或报告为空闲），因此重新空闲；在页帧池再次分配它之前显示为紫色。',
    'kindHelp.overhead':
      '宿主机自用：已从页帧池取出但没有客户机映射（为每台运行中虚拟机自身的 worker 预留的内存，每台 18 MiB，ksmd 尚未清理的 KSM 页，或只被快照持有的帧），以及内存顶端供物理 CPU 的 JIT 使用的物理帧。',
    'kindHelp.snapshot':
      '快照持有、虚拟机仍以只读方式映射的物理帧：来自它自己的快照、克隆的源虚拟机或快速启动的模板（只被快照持有的帧计入宿主机开销）。虚拟机写入时触发写时复制（COW），与 KSM 相同。',
    'kindHelp.free': '在页帧池的空闲链表上（引用计数为 0）。',
    'kindHelp.changed':
      '自上次扫描以来所有者或类型发生了变化：合并、COW 拆分、气球移动或新页。一秒内淡出。',

    'map.title': '宿主机内存，逐帧显示',
    'map.lead':
      '宿主机内存的每个 4 KiB 物理帧，沿希尔伯特曲线排列，使连续内存聚在一起，并按拥有它的虚拟机着色。',
    'map.label': '宿主机页帧图，共 {{frames}} 帧。方向键移动光标，+ 和 − 缩放。',
    'map.help':
      '将鼠标悬停在格子上，或聚焦页帧图后用方向键，查看该帧及映射它的每个客户机页；+ 和 − 缩放。',
    'map.perFrame': '每格一帧（{{px}} 像素）',
    'map.perCell': '每格 {{frames}} 帧（{{kib}} KiB）：每格显示其中最多的类型',
    'map.zoomIn': '放大宿主机页帧图',
    'map.zoomOut': '缩小宿主机页帧图',
    'map.cost': '扫描 {{ms}} 毫秒',
    'map.costHelp': '页面读取页帧池和每个 p2m 表所花的时间，每秒四次',
    'map.frame': '物理帧 {{frame}}',
    'map.frames': '物理帧 {{first}}–{{last}}',
    'map.sharers': '{{n}} 个客户机页共享它',
    'map.zeroOwners': '被 ksmd 合并到它的每个空页只读映射',
    'map.gpa': '客户机物理地址',
    'map.readOnly': '只读，写时复制',
    'map.more': '还有 {{n}} 个',
    'map.hint':
      '指向一个物理帧以查看其所有者：虚拟机和客户机物理地址（客户机内存从 {{base}} 开始）。',
    'map.ksmMappings': '（{{n}} 个客户机页映射到它们）',

    'host.title': '宿主机内存',
    'host.ramTitle': '宿主机内存：{{ram}} MiB',
    'host.private': '{{name}}（私有）',
    'host.ofRam': '共 {{ram}} MiB 宿主机内存',
    'host.usedPoll': '客户机内存占用（hostInfo）：',
    'host.freePoll': '空闲（hostInfo）：',
    'host.guestTitle': '客户机已触及的内存：{{touched}}',
    'host.guestLabel':
      '客户机已触及内存 {{touched}}：{{backed}} 由宿主机物理帧支持，共享（KSM、零页、快照）节省 {{saved}}（{{pct}} %）',
    'host.backed': '由宿主机物理帧支持',
    'host.savedKsm': 'KSM 节省（pages_sharing）',
    'host.savedZero': '零页节省（ksm_zero_pages）',
    'host.savedSnapshot': '与快照共享所节省（克隆、快速启动）',
    'host.summary':
      '共享节省了 {{saved}}，占客户机已触及内存的 {{pct}} %。运行中的客户机最多可使用 {{max}}，而宿主机只有 {{ram}} MiB（超分配 {{ratio}} 倍）；它们的气球和空闲页报告至今已归还 {{freed}}。',

    'policy.title': '气球策略',
    'policy.switch': '自动气球策略',
    'policy.help':
      '当宿主机空闲内存低于 10 % 时，膨胀有空闲内存的客户机的气球（仅限开启 autodeflate 的气球）；高于 25 % 时归还。内存紧张的客户机会立即拿回内存。',
    'policy.empty': '尚无决策：宿主机的空闲内存一直充足。',
    'policy.inflate': '膨胀',
    'policy.deflate': '收缩',
    'policy.resume': '恢复',

    'ksm.title': 'KSM：内核同页合并',
    'ksm.lead': 'ksmd 分批扫描客户机的页，把内容相同的页合并为一个写保护的物理帧。',
    'ksm.presets': 'KSM 速度预设',
    'ksm.preset.slow': '慢动作',
    'ksm.preset.normal': 'Linux 默认',
    'ksm.preset.fast': '快速',
    'ksm.presetHelp': '慢动作：每 200 毫秒 20 页，可以在页帧图上看到合并一个个发生',
    'ksm.run.0': '停止',
    'ksm.run.1': '运行',
    'ksm.run.2': '全部拆分',
    'ksm.knob.pages_to_scan': 'ksmd 每批检查的页数',
    'ksm.knob.sleep_millisecs': '两批之间的暂停，毫秒',
    'ksm.knob.max_page_sharing':
      '每个 KSM 页最多映射的客户机页数（≥ 2）；超过则新建副本。有共享页时不可更改。',
    'ksm.knob.use_zero_pages': '把空页与零页合并（计入 ksm_zero_pages）',
    'ksm.knob.smart_scan': '跳过屡次合并失败的页，依次跳过 1、2、4、8 次扫描（pages_skipped）',
    'ksm.status.stopped': '已停止（run = 0）',
    'ksm.status.unmerging': '正在拆分所有 KSM 页（run = 2）',
    'ksm.status.unmerged': '已停止，所有页均已拆分（run = 2）',
    'ksm.status.unmergeNomem': '拆分已停止：宿主机没有内存用于复制',
    'ksm.status.idle': '空闲：没有允许合并的运行中客户机',
    'ksm.status.scanning': '正在扫描',
    'ksm.status.sleeping': '休眠中（两批之间 {{ms}} 毫秒）',
    'ksm.progress':
      'full_scans（完整扫描）{{scans}} · pages_scanned（已扫描页）{{scanned}}（{{rate}}/秒）· 忙碌 {{busy}} %',
    'ksm.pass.stable':
      '稳定树：若已有内容相同的 KSM 页，就把此页（只读）映射到它，并释放原来的物理帧。',
    'ksm.pass.volatile':
      '易变页（volatile）：若此页的校验和自上次完整扫描以来变了，说明它仍在被写入；记下校验和，跳过。',
    'ksm.pass.zero': '开启 use_zero_pages 时，空页被映射到零页。',
    'ksm.pass.unstable':
      '不稳定树：若本轮扫描已见过内容相同的页，就把两者合并为一个新的 KSM 页（移入稳定树）。',
    'ksm.pass.insert': '否则把此页插入不稳定树；不稳定树在每轮完整扫描开始时清空。',
    'ksm.volatileJumps':
      '为什么 pages_volatile 会跳变：它不是“看到在变化的页”的数量，而是与 Linux 一样，用 ksmd 跟踪的全部页减去两棵树中的页（rmap 项 − shared − sharing − unshared）。每轮完整扫描开始时不稳定树被清空，于是所有“unshared”页一下子都算作“volatile”，随后随着扫描推进一批批回到不稳定树。',
    'ksm.stat.pages_shared': '使用中的 KSM 页：每个占一帧，被多个客户机页映射',
    'ksm.stat.pages_sharing': '映射到 KSM 页的客户机页（除第一个外）：节省的页数',
    'ksm.stat.pages_unshared': '目前独一无二的页，在不稳定树中等待',
    'ksm.stat.pages_volatile': '不在任何一棵树中的跟踪页：正在变化，或本轮尚未扫描到',
    'ksm.stat.ksm_zero_pages': '映射到零页的空页',
    'ksm.stat.full_scans': '遍历所有可合并客户机全部页的轮数',
    'ksm.stat.pages_skipped': 'smart_scan 跳过的页（累计）',
    'ksm.stat.stable_node_chains': '达到 max_page_sharing 的内容数',
    'ksm.stat.stable_node_dups': '为这些内容额外创建的 KSM 页',
    'ksm.stat.general_profit': '（pages_sharing + ksm_zero_pages）× 4 KiB 减去 ksmd 的簿记开销',
    'ksm.ratio': 'sharing : shared',
    'ksm.ratioHelp': '每个 KSM 页对应的客户机页数：越高，每次合并节省越多',

    'chart.pages': 'ksmd 页数',
    'chart.savings': '节省与提供（MiB）',
    'chart.saved': '节省',
    'chart.offered': '提供',
    'chart.ratioTitle': 'pages_sharing : pages_shared',
    'chart.ratio': '比率',

    'dom.unknown': '没有名为 {{name}} 的虚拟机。',
    'dom.title': '{{name}} 的内存',
    'dom.ksmOn': '允许 KSM',
    'dom.ksmOff': 'nosharepages（不共享）',
    'dom.noBalloon': '无气球',
    'dom.noBalloonHelp': '此虚拟机没有气球设备，运行时内存无法改变。',
    'dom.guestView': '客户机视角（最大 {{max}}）',
    'dom.hostView': '宿主机视角（同一比例）',
    'dom.barLabel':
      '{{name}}：已用 {{used}}，空闲 {{free}}，气球中 {{balloon}}（目标 {{target}}），共 {{max}}',
    'dom.rssLabel': '{{name}}：宿主机常驻 {{rss}}，其中 KSM 页 {{merged}}，共 {{max}}',
    'dom.used': '客户机已用',
    'dom.usedHelp': '当前内存减去客户机空闲内存（MemFree）',
    'dom.usedNoStats': '整个当前内存：客户机尚未发送气球统计信息',
    'dom.free': '客户机空闲',
    'dom.freeHelp': '气球统计中的 MemFree：客户机未使用的内存',
    'dom.balloon': '气球',
    'dom.balloonHelp': '气球中的客户机页：客户机不能使用，宿主机可以重用其物理帧',
    'dom.target': '气球目标',
    'dom.targetHelp': '宿主机请求的大小（虚线）；气球向它移动',
    'dom.rss': '宿主机常驻（rss）',
    'dom.rssHelp': '当前支持此客户机的宿主机物理帧：页在首次访问时才分配，所以通常少于客户机已用',
    'dom.merged': '其中 KSM 合并',
    'dom.mergedHelp': '映射到 KSM 共享页的客户机页（ksm_merging_pages）',
    'dom.balloonTotals':
      '启动以来：膨胀 {{inflated}}，收缩 {{deflated}}，报告空闲 {{reported}}；归还宿主机物理帧 {{freed}}。',
    'dom.untouched':
      '气球拿走了 {{inflated}} 的客户机页，却只归还了 {{freed}} 的宿主机物理帧：其中 {{untouched}} 的页从未被访问过，没有宿主机物理帧支持，所以膨胀它们没有释放任何内存。客户机优先把空闲页交给气球，而空闲客户机的空闲页从未被写过。先弄脏客户机内存（运行一个填满内存的程序），再膨胀，就能看到宿主机空闲内存上升。',
    'dom.setmemTitle': '气球目标',
    'dom.setmem': '{{name}} 的内存（setmem）',
    'dom.setmemLive': '立即移动气球，相当于',
    'dom.setmemOff': '启动时的内存，相当于',
    'dom.period': '{{name}} 的统计周期，秒',
    'dom.memstat': '气球统计',

    'guestMap.title': '客户机物理内存，逐页显示',
    'guestMap.label': '{{name}} 的页图：{{summary}}',
    'guestMap.caption': '从 0x80000000 起共 {{pages}} 页，逐行排列',
    'page.untouched': '未访问',
    'page.private': '私有物理帧',
    'page.ksm': 'KSM 共享',
    'page.zero': '零页',
    'page.balloon': '在气球中',

    'stat.actual': '当前内存（最大值减去气球），KiB',
    'stat.available': '客户机总内存（MemTotal），KiB',
    'stat.usable': '客户机无需交换即可使用的内存（MemAvailable），KiB',
    'stat.unused': '客户机空闲内存（MemFree），KiB',
    'stat.disk_caches': '客户机可丢弃的页缓存，KiB',
    'stat.rss': '支持客户机的宿主机内存（来自 p2m），KiB',
    'stat.swap_in': '换入，KiB',
    'stat.swap_out': '换出，KiB',
    'stat.major_fault': '主缺页次数',
    'stat.minor_fault': '次缺页次数',
    'stat.last_update': '客户机上次发送统计的时间，自 1970 年起的秒数',
  },
};
addMessages(NS, messages);
export default messages;
