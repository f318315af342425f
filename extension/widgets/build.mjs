// Bundles the widget front ends into timeline_lab/widgets/static (anywidget loads them as ES modules).
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";

// TIMELINE_LAB_WIDGETS_OUT: build elsewhere (the test that checks the committed bundle is current).
const out = process.env.TIMELINE_LAB_WIDGETS_OUT ?? "../../timeline_lab/widgets/static";
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { timeline: "src/timeline.ts", preview: "src/preview.ts", bin: "src/bin.ts" },
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: true,
  sourcemap: false,
  legalComments: "none",
  outdir: out,
  logLevel: process.env.TIMELINE_LAB_WIDGETS_OUT ? "warning" : "info",
});
for (const name of ["timeline.css", "preview.css", "bin.css"]) copyFileSync(`src/${name}`, `${out}/${name}`);
