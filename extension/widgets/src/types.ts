// The timeline as the kernel describes it (timeline_lab/widgets/view.py): whole frames, no seconds.
// Kinds and item types come from the project's JSON Schema, edits (Op) from the operations' one
// (src/generated, made by `make widgets`): a renamed op or argument fails `npm run typecheck`.
import type { Operation } from "./generated/operations";
import type { Clip, SequenceClip, TextClip, Track, Transition } from "./generated/project";

/** A track's kind, as the project file has it. */
export type TrackKind = NonNullable<Track["kind"]>;
/** An item's type (the discriminator of a track's items). */
export type ItemType = NonNullable<(Clip | TextClip | SequenceClip)["type"]>;
/** A transition's clips: either may be absent (a fade from or to the empty track). */
export type TransitionSide = Exclude<Transition["from_clip"] | Transition["to_clip"], undefined>;

export interface ItemView {
  id: string;
  track: string;
  type: ItemType;
  label: string;
  start: number; // timeline frame of the first frame
  frames: number; // length in timeline frames
  enabled: boolean;
  media: string | null; // key of the media (for thumbnails and waveforms)
  source_start: number; // seconds into the media at the clip's first frame (display only)
  source_per_frame: number; // media seconds per timeline frame (speed / rate, display only)
  head: number | null; // frames the in point can move earlier (media handle); null: no limit
  tail: number | null; // frames the out point can move later; null: no limit
  has_video: boolean;
  has_audio: boolean;
  keyframes?: Record<string, KeyPoint[]>; // property -> keyframes (only on keyframed clips)
  volume?: number; // the clip's gain where volume is not keyframed (clips with sound)
  audio_stream?: number; // the sound stream the clip plays, where not the file's default (its waveform)
  title?: TitleFields; // text clips: what the title inspector shows (``_titles.title_view``)
}

/** A text clip's fields as the title inspector edits them (``template``: its badge, read only). */
export interface TitleFields {
  template: string;
  text: string;
  font_size: number;
  color: string;
  box_color: string;
  opacity: number;
  x: number;
  y: number;
}

/** How the curve leaves a keyframe for the next one (the model's ``Interp``). */
export type Interp = "hold" | "linear" | "ease_in" | "ease_out" | "ease_in_out" | "bezier";

/**
 * A keyframe as the kernel draws it: clip-relative frame (a float when no frame shows it exactly:
 * drawn, not editable), value, interpolation, and bezier handles.
 */
export type KeyPoint = [number, number, Interp] | [number, number, Interp, [number, number, number, number]];

/** The kernel's evaluated values of one property over clip frames (``_keyframes.curve_message``). */
export interface CurveData {
  item: string;
  property: string;
  first: number;
  values: number[];
  lo: number; // the value axis: the property's bounds, or the values' range where it has none
  hi: number;
  min: number | null; // the bounds a dragged value is kept in
  max: number | null;
  error?: string;
  view?: string;
}

export interface TrackView {
  id: string;
  name: string;
  kind: TrackKind;
  items: string[];
  transitions: string[];
  muted: boolean;
  locked: boolean;
}

/**
 * A track's entry in a patch: whole (``items``), or its item ids as one splice of the list the
 * browser holds (``items_splice``: index, how many removed, ids put there; neither: unchanged).
 */
export type TrackEntry = Omit<TrackView, "items"> & {
  items?: string[];
  items_splice?: [number, number, string[]];
};

export interface TransitionView {
  id: string;
  track: string;
  kind: NonNullable<Transition["kind"]>;
  from_clip: TransitionSide;
  to_clip: TransitionSide;
  start: number;
  frames: number;
}

export interface MarkerView {
  id: string;
  frame: number;
  frames: number;
  name: string;
  color: string;
}

export interface Doc {
  rev: number;
  rate: [number, number];
  drop_frame?: boolean; // timecode is drop-frame (only at 29.97/59.94); absent: Python's default for the rate
  duration: number;
  tracks: TrackView[]; // bottom track first, as in the model
  items: Record<string, ItemView>;
  transitions: Record<string, TransitionView>;
  markers: MarkerView[];
}

export interface Patch {
  rev: number;
  duration: number;
  order: string[] | null;
  tracks: TrackEntry[];
  items: ItemView[];
  transitions: TransitionView[];
  removed_tracks: string[];
  /** Items a ripple moved and changed in nothing else: ``[frames, ids]`` groups (start += frames). */
  moved?: [number, string[]][];
  removed_items: string[];
  removed_transitions: string[];
  markers: MarkerView[] | null;
  /** Changes of the markers' list, in order: ``[index, how many removed, markers put there]``. */
  marker_splices?: [number, number, MarkerView[]][];
}

export interface Lane {
  name: string;
  color: string;
  segments: [number, number, string][];
  markers: [number, string][];
}

/** An edit sent to the kernel: one of the model's operations (generated from its registry's JSON Schema). */
export type Op = Operation;

/** What the timeline sends the kernel (``TimelineWidget._on_msg``): edits are operations, one undo step. */
export type TimelineRequest =
  | { kind: "ready" }
  | { kind: "edit"; seq: number; view: string; ops: Op[] }
  | { kind: "undo" }
  | { kind: "redo" }
  | { kind: "media"; media: string; audio_stream?: number }
  | { kind: "marker"; frame: number }
  | (Tagged & { kind: "copy" | "cut" | "paste_attributes"; ids: string[] })
  | (Tagged & { kind: "paste"; track: string | null; frame: number; mode: "overwrite" | "insert" })
  | (Tagged & { kind: "nudge"; ids: string[]; frames: number })
  | (Tagged & { kind: "duplicate"; ids: string[]; track: string; frame: number })
  | (Tagged & { kind: "drop"; paths: string[]; track: string | null; frame: number })
  | (Tagged & { kind: "keyframe"; item: string; property: string; frame: number })
  | { kind: "curve"; view: string; item: string; property: string; first: number; count: number }
  | (Tagged & { kind: "title_add"; template: string; fields: Record<string, string> })
  | (Tagged & { kind: "title_edit"; item: string; fields: Record<string, string | number> })
  | (Tagged & { kind: "duck"; track: string; under: string[]; amount_db: number })
  | (Tagged & UploadChunk);

/** A request the kernel answers with ``ack`` or ``refused`` (``seq``), for this view only. */
export interface Tagged {
  seq: number;
  view: string;
}

/** One chunk of a desktop file dropped on the timeline (its bytes travel as the message's buffer). */
export interface UploadChunk {
  kind: "upload";
  upload: string;
  batch: string; // the files of one drop: each is placed after the one before
  index: number;
  name: string;
  size: number;
  offset: number;
  last: boolean;
  track: string | null;
  frame: number;
}

/** A request before the widget tags it with ``seq`` and ``view``. */
export type Untagged<R> = R extends Tagged ? Omit<R, "seq" | "view"> : never;
