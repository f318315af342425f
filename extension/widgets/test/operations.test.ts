// The edits the widget sends are the model's operations (src/generated/operations.ts, from
// timeline_lab.model.operations): a renamed op or argument fails `npm run typecheck` here and where built.
import { describe, expect, it } from "vitest";
import { deleteOps, framesTime, splitOps, toggleEnabledOps, transitionOp } from "../src/gestures";
import type { Op } from "../src/types";
import { sampleDoc } from "./fixtures";

// compile-time: the ops the gestures build, and what the schema refuses
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const built: Equal<ReturnType<typeof splitOps>[number]["op"], "split"> = true;
const split: Op = { op: "split", track: "v1", at: 3 };
// @ts-expect-error an op the registry does not have
const unknownOp: Op = { op: "splice", track: "v1", at: 3 };
// @ts-expect-error an argument the op does not take
const unknownArg: Op = { op: "split", track: "v1", frame: 3 };
// @ts-expect-error a field a clip does not have
const unknownChange: Op = { op: "update", track: "v1", item_id: "a", changes: { visible: false } };

function describeOp(op: Op): string {
  switch (op.op) {
    case "trim":
      return `${op.edge} ${op.delta}`; // narrowed on op: trim's own arguments
    case "add_transition":
      return op.transition.kind ?? "dissolve";
    default:
      return op.op;
  }
}

describe("operations from the schema", () => {
  it("narrow on their name", () => {
    expect([built, split.op, unknownOp.op, unknownArg.op, unknownChange.op]).toEqual([
      true,
      "split",
      "splice",
      "split",
      "update",
    ]);
    expect(describeOp({ op: "trim", track: "v1", item_id: "a", edge: "in", delta: 2 })).toBe("in 2");
  });
  it("are what the gestures build", () => {
    const doc = sampleDoc();
    const ops: Op[] = [
      ...splitOps(doc, 20, []),
      ...deleteOps(doc, ["a"], true),
      ...toggleEnabledOps(doc, ["a"]),
    ];
    expect(ops.map(describeOp)).toEqual(["split", "split", "split", "ripple_delete", "update"]);
    const tr = transitionOp(doc, ["a", "b"], 15);
    expect(typeof tr === "string" ? tr : describeOp(tr)).toBe("dissolve");
  });
  it("write lengths as exact frames at the project's rate", () => {
    const doc = sampleDoc();
    expect(framesTime(doc, 15)).toEqual({ value: 15, rate: 30 });
    expect(framesTime({ ...doc, rate: [30000, 1001] }, 15)).toEqual({ value: 15, rate: "30000/1001" });
  });
});
