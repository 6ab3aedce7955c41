import { addMessages, type Messages } from '../i18n/i18n.svelte';

/** The engines view's strings (namespace `engines`). */
export const NS = 'engines';

const messages: Messages = {
  en: {
    title: 'Hardware assist against pure emulation',
    intro:
      'The same Linux in two domains that differ only in their type. A kvm domain runs hot guest code translated to WebAssembly, which the browser compiles to machine code: our stand-in for VT-x. A qemu domain decodes and carries out every instruction in an interpreter: pure emulation. Run the same program in both and compare the guest instructions each retires per second (MIPS), measured by the pCPUs at every time slice.',
    kvmSide: 'Accelerated (kvm)',
    qemuSide: 'Emulated (qemu)',
    pick: 'Domain',
    none: 'none',
    makePair: 'Create a kvm and a qemu domain',
    makePairHint:
      'Defines and starts {{kvm}} (type kvm) and {{qemu}} (type qemu), identical otherwise: {{mib}} MiB, 1 vCPU. Domains that exist are left alone.',
    making: 'Starting {{name}}…',
    runBench: 'Run bench in both',
    runBenchHint:
      'Types "bench 300" into both consoles: the same work, timed by the guest. The result line is the same in both; the time is not.',
    runSpin: 'Spin both for 15 s',
    runSpinHint:
      'Types "spin 1 --seconds 15" into both consoles: the same time, so the MIPS and the iteration counts show the difference.',
    missing: 'There is no running {{type}} domain to compare. Create the pair, or start one.',
    mips: '{{mips}} MIPS',
    mipsLabel: '{{name}} retires {{mips}} million guest instructions per second',
    cpu: 'CPU {{pct}} %',
    idle: 'idle',
    ratio: '{{kvm}} retires {{ratio}}× the instructions per second of {{qemu}}.',
    ratioWaiting: 'The ratio shows while both run a program.',
    chart: 'Guest instructions per second (MIPS), last two minutes',
    consoleLabel: 'Serial console of {{name}}',
    jitTitle: 'The JIT on this host (all pCPUs, all kvm domains)',
    jitTranslated: 'Instructions run translated',
    jitCompiles: 'Modules compiled (and adopted: made earlier for another VM, boot or pCPU)',
    jitCompileMs: 'Time compiling',
    jitCode: 'Code cache',
    jitNone: 'No kvm domain has run yet.',
    bootNote:
      'Watch a boot, too: both take about as long. Boot code mostly runs a few times, and code that runs a few times stays in the interpreter under either type: translating it would cost more than it saves. The difference shows on code that runs many times, as in these programs.',
  },
  'zh-CN': {
    title: '硬件辅助与纯软件模拟',
    intro:
      '两个域运行同一个 Linux，只有类型不同。kvm 域把热点客户机代码翻译成 WebAssembly，由浏览器编译成机器码：相当于 VT-x 的硬件辅助。qemu 域用解释器逐条解码并执行每一条指令：纯软件模拟。在两边运行同一个程序，比较各自每秒执行的客户机指令数（MIPS），由 pCPU 在每个时间片结束时统计。',
    kvmSide: '加速（kvm）',
    qemuSide: '模拟（qemu）',
    pick: '域',
    none: '无',
    makePair: '创建一个 kvm 域和一个 qemu 域',
    makePairHint:
      '定义并启动 {{kvm}}（类型 kvm）和 {{qemu}}（类型 qemu），其余配置相同：{{mib}} MiB，1 个 vCPU。已存在的域保持不变。',
    making: '正在启动 {{name}}…',
    runBench: '在两边运行 bench',
    runBenchHint:
      '在两个控制台输入“bench 300”：同样的工作量，由客户机计时。两边的结果行相同，耗时不同。',
    runSpin: '两边各运行 spin 15 秒',
    runSpinHint: '在两个控制台输入“spin 1 --seconds 15”：同样的时间，MIPS 和迭代次数显示出差别。',
    missing: '没有正在运行的 {{type}} 域可供比较。请创建这一对域，或启动一个。',
    mips: '{{mips}} MIPS',
    mipsLabel: '{{name}} 每秒执行 {{mips}} 百万条客户机指令',
    cpu: 'CPU {{pct}} %',
    idle: '空闲',
    ratio: '{{kvm}} 每秒执行的指令数是 {{qemu}} 的 {{ratio}} 倍。',
    ratioWaiting: '两边都在运行程序时显示倍数。',
    chart: '每秒客户机指令数（MIPS），最近两分钟',
    consoleLabel: '{{name}} 的串口控制台',
    jitTitle: '本宿主机上的 JIT（所有 pCPU、所有 kvm 域）',
    jitTranslated: '以翻译后代码执行的指令',
    jitCompiles: '已编译模块（以及采用的：之前为其他虚拟机、启动或 pCPU 编译的）',
    jitCompileMs: '编译耗时',
    jitCode: '代码缓存',
    jitNone: '还没有 kvm 域运行过。',
    bootNote:
      '也看看启动过程：两边用时差不多。启动代码大多只运行几次，而只运行几次的代码在两种类型下都留在解释器中：翻译它的开销比节省的还多。差别体现在反复运行的代码上，比如这里的程序。',
  },
};
addMessages(NS, messages);
export default messages;
