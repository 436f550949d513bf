#!/usr/bin/env bash
# The test command: notebook tests (fast cells) and pytest (command-line end to end).
# With the WikiText-2 mirror present ($SCRATCH_LM_MIRROR, default ../shared/data/wikitext-2) it also prepares the real
# data and runs the tests that need it; without it those tests skip with a reason.
set -euo pipefail
cd "$(dirname "$0")/.."
MIRROR="${SCRATCH_LM_MIRROR:-../shared/data/wikitext-2}"
if [ -f "$MIRROR/wiki.train.tokens" ]; then
  python -m scratch_lm.cli data --from "$MIRROR" --out data
  python -m scratch_lm.cli tokenizer --data data
fi
nbdev_test --n_workers 2
python -m pytest -q tests
