// SMPTE timecode, the one implementation the widgets use: the same arithmetic as Python's
// timeline_lab/model/timecode.py (format_timecode), checked against it on every frame of 24 hours
// at 29.97 DF, 59.94 DF, 23.976, 24, 25 and 30 (test/timecode.test.ts, tests/widgets/test_timecode_parity.py).

export type Rate = readonly [number, number]; // [numerator, denominator] frames per second

/** Frame numbers dropped at the start of each minute (but every tenth) at 29.97 and 59.94. */
export function droppedPerMinute(rate: Rate): number {
  const [num, den] = reduce(rate);
  if (den !== 1001) return 0;
  return num === 30000 ? 2 : num === 60000 ? 4 : 0;
}

/** ``HH:MM:SS:FF`` of ``frame`` at ``rate``; drop-frame (``;``) by default at 29.97/59.94, as Python. */
export function formatTimecode(frame: number, rate: Rate, dropFrame?: boolean): string {
  const drop = droppedPerMinute(rate);
  const useDrop = dropFrame ?? drop > 0;
  if (useDrop && !drop) throw new RangeError(`drop-frame timecode only exists at 29.97 and 59.94, not ${rate[0]}/${rate[1]}`);
  const nominal = Math.ceil(rate[0] / rate[1]);
  let f = Math.abs(frame);
  if (useDrop) {
    const per10 = nominal * 600 - drop * 9;
    const perMin = nominal * 60 - drop;
    const rem = f % per10;
    let extra = drop * 9 * Math.floor(f / per10);
    if (rem > drop) extra += drop * Math.floor((rem - drop) / perMin);
    f += extra;
  }
  const ff = f % nominal;
  const secs = Math.floor(f / nominal);
  const sign = frame < 0 ? "-" : "";
  const sep = useDrop ? ";" : ":";
  return `${sign}${pad(Math.floor(secs / 3600))}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}${sep}${pad(ff, nominal > 100 ? 3 : 2)}`;
}

/** Frames in one timecode hour (``01:00:00:00`` / ``01:00:00;00``) at ``rate``. */
export function framesPerHour(rate: Rate, dropFrame?: boolean): number {
  const drop = (dropFrame ?? true) ? droppedPerMinute(rate) : 0;
  const nominal = Math.ceil(rate[0] / rate[1]);
  return nominal * 3600 - drop * 54; // 54 of every hour's 60 minutes drop frames
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

function reduce([num, den]: Rate): [number, number] {
  let a = Math.abs(num);
  let b = Math.abs(den);
  while (b) [a, b] = [b, a % b];
  return a ? [num / a, den / a] : [num, den];
}
