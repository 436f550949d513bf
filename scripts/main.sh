#!/usr/bin/env bash
# The main job, on a fresh machine: set up, then data -> tokenizer -> train -> evaluate -> sample.
#   bash scripts/main.sh                                   # downloads WikiText-2 from the official source
#   bash scripts/main.sh --from /path/to/wikitext-2        # or copies it from a local copy
# Extra variables: PRESET (default cpu), RUN_DIR (default runs/$PRESET), TORCH (pip's arguments for torch; default
# torch==2.13.0, which PyPI serves as the CUDA build on Linux; for the CPU build:
# TORCH="torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"). Rerunning resumes training from the last checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET="${PRESET:-cpu}"; RUN_DIR="${RUN_DIR:-runs/$PRESET}"; TORCH="${TORCH:-torch==2.13.0}"
if [ ! -d .venv ]; then python3 -m venv .venv; fi
. .venv/bin/activate
pip install -q $TORCH 2>&1 | { grep -v '^WARNING: Location' || true; }
pip install -q -e . 2>&1 | { grep -v '^WARNING: Location' || true; }
python -m scratch_lm.cli data "$@"
python -m scratch_lm.cli tokenizer
python -m scratch_lm.cli train --preset "$PRESET" --run-dir "$RUN_DIR"
python -m scratch_lm.cli eval --checkpoint "$RUN_DIR/checkpoints/best.pt" --split valid --json | tee "$RUN_DIR/eval_valid.json"
python -m scratch_lm.cli generate --checkpoint "$RUN_DIR/checkpoints/best.pt" --prompt "The history of" --num-samples 2
