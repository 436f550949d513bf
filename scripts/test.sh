#!/usr/bin/env bash
# The test command: the notebooks' tests and pytest (command-line end to end, the GPU script's dry run, the docs site
# in a real browser).
# With the raw WikiText-2 files present ($SCRATCH_LM_MIRROR, default ../shared/data/wikitext-2) it prepares the real
# data and also runs the notebooks' slow cells (`nbdev_test --flags slow`), which need it and the release. Without them
# the end-to-end tests run on a small corpus the tests make themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
MIRROR="${SCRATCH_LM_MIRROR:-../shared/data/wikitext-2}"
if [ -f "$MIRROR/wiki.train.tokens" ]; then
  export SCRATCH_LM_MIRROR="$(cd "$MIRROR" && pwd)"
  python -m scratch_lm.cli data --from "$SCRATCH_LM_MIRROR" --out data
  python -m scratch_lm.cli tokenizer --data data
  echo "== notebooks, slow cells included (WikiText-2 at $SCRATCH_LM_MIRROR)"
  nbdev_test --n_workers 2 --flags slow
else
  echo "== notebooks (no WikiText-2 here: slow cells not run; set SCRATCH_LM_MIRROR to run them)"
  nbdev_test --n_workers 2
fi
echo "== pytest"
python -m pytest -q tests
