// @vitest-environment node
// The widget's timecode against Python's (timeline_lab/model/timecode.py) on every frame of 24 hours:
// fixtures/timecode-hours.json holds, per rate, a hash of each timecode hour's strings as Python writes
// them (tests/widgets/test_timecode_parity.py checks Python still writes those).
import { describe, expect, it } from "vitest";
import { formatTimecode, framesPerHour, type Rate } from "../src/timecode";
import parity from "./fixtures/timecode-hours.json";

async function hourHash(rate: Rate, dropFrame: boolean, hour: number): Promise<string> {
  const perHour = framesPerHour(rate, dropFrame);
  const lines = new Array<string>(perHour);
  for (let i = 0; i < perHour; i++) lines[i] = formatTimecode(hour * perHour + i, rate, dropFrame);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(lines.join("\n")));
  return Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

describe("timecode as Python writes it", () => {
  for (const [name, r] of Object.entries(parity.rates)) {
    it(`agrees on every frame of 24 hours at ${name}`, { timeout: 120_000 }, async () => {
      const rate: Rate = [r.rate[0], r.rate[1]];
      expect(framesPerHour(rate, r.drop_frame)).toBe(r.frames_per_hour);
      const got: string[] = [];
      for (let h = 0; h < r.hours.length; h++) got.push(await hourHash(rate, r.drop_frame, h));
      expect(got).toEqual(r.hours);
    });
  }

  it("drops frame numbers at each minute but every tenth, and writes ';'", () => {
    const cases: [Rate, number, string][] = [
      [[30000, 1001], 1799, "00:00:59;29"],
      [[30000, 1001], 1800, "00:01:00;02"],
      [[30000, 1001], 17982, "00:10:00;00"],
      [[30000, 1001], 107892, "01:00:00;00"],
      [[30000, 1001], 3596, "00:01:59;28"],
      [[60000, 1001], 3599, "00:00:59;59"],
      [[60000, 1001], 3600, "00:01:00;04"],
      [[60000, 1001], 107892, "00:30:00;00"],
      [[30000, 1001], 107892 * 24 - 1, "23:59:59;29"],
      [[30000, 1001], 107892 * 24, "24:00:00;00"],
      [[24000, 1001], 107892, "01:14:55:12"],
      [[25, 1], 17983, "00:11:59:08"],
      [[120, 1], 121, "00:00:01:001"],
    ];
    for (const [rate, frame, want] of cases) expect(formatTimecode(frame, rate)).toBe(want);
  });

  it("is non-drop when asked, and refuses drop-frame where it does not exist", () => {
    for (const f of [0, 1799, 1800, 17982, 107892, 2589407]) {
      expect(formatTimecode(f, [30000, 1001], false)).toBe(formatTimecode(f, [30, 1]));
    }
    expect(formatTimecode(1800, [60000, 2002])).toBe("00:01:00;02"); // an unreduced 29.97
    expect(() => formatTimecode(0, [25, 1], true)).toThrow(/drop-frame/);
  });

  it("writes negative frames with a sign", () => {
    expect(formatTimecode(-1, [25, 1])).toBe("-00:00:00:01");
    expect(formatTimecode(-1800, [30000, 1001])).toBe("-00:01:00;02");
  });
});
