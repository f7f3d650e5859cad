/**
 * Resident memory and CPU time of a process: /proc/<pid>/status and
 * /proc/<pid>/stat (Deno wants --allow-all for /proc), else `ps` (needs only
 * --allow-run), whose peak RSS is the largest sample seen.
 */

/** One reading of a process. */
export interface ProcSample {
  /** Resident set size, bytes. */
  rssBytes: number;
  /** Peak resident set size so far, bytes (VmHWM; with `ps`, this sample's RSS). */
  peakRssBytes: number;
  /** User + system CPU time so far (all threads), seconds. */
  cpuSeconds: number;
  source: "proc" | "ps";
}

const CLOCK_TICKS_PER_SECOND = 100;

async function readFromProc(pid: number): Promise<ProcSample> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const kib = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  // Fields after the command name (which may contain spaces) start at field 3;
  // utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return {
    rssBytes: kib("VmRSS"),
    peakRssBytes: kib("VmHWM"),
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND,
    source: "proc",
  };
}

async function readFromPs(pid: number): Promise<ProcSample | null> {
  const out = await new Deno.Command("ps", { args: ["-o", "rss=,times=", "-p", String(pid)] })
    .output();
  const [rssKib, seconds] = new TextDecoder().decode(out.stdout).trim().split(/\s+/).map(Number);
  if (!out.success || !Number.isFinite(rssKib) || !Number.isFinite(seconds)) return null;
  return {
    rssBytes: rssKib! * 1024,
    peakRssBytes: rssKib! * 1024,
    cpuSeconds: seconds!,
    source: "ps",
  };
}

/** One sample of process `pid`; null when it is gone or nothing can be read. */
export async function readProcSample(pid: number): Promise<ProcSample | null> {
  try {
    return await readFromProc(pid);
  } catch {
    try {
      return await readFromPs(pid);
    } catch {
      return null;
    }
  }
}
