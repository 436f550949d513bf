#!/usr/bin/env bash
# One short GPU run of the headline recipe: environment, a speed row (scratch_lm vs Hugging Face GPT-2, same GPU, same
# process), the `gpu` preset's training (~150 s on an H100 at 10,800 steps; TRAIN_SECONDS=N sizes it to N seconds instead,
# SCRATCH_LM_OVERRIDES="key=value ..." changes the recipe), and the full validation split scored on the GPU.
# Everything lands in $OUT as it is made (at most 8 files of < 16 MiB): speed.json, eval.json, metrics.jsonl, loss.png,
# the best weights in bf16 parts (weights.pt.part0, part1, ...) and weights.json (their SHA-256s); bring_home.py checks
# and joins them.
#   OUT=out bash scripts/device_run.sh                          # on a CUDA machine, with data/ prepared
#   SCRATCH_LM_DRY_RUN=1 OUT=out bash scripts/device_run.sh     # the same steps on the CPU, tiny preset, ~1 minute
#   SPEED_ROW=0 SCRATCH_LM_OVERRIDES="weight_decay=0.5" OUT=out bash scripts/device_run.sh   # a second run, no speed row
#   SCRATCH_LM_SWEEP="-; weight_decay=3.0" DEADLINE_S=525 OUT=out bash scripts/device_run.sh  # variants (- = the preset);
#       training stops 525 s after the start (at the end of a step), and what was shipped is still scored and recorded
# Runs from the checkout (no install needed); needs torch, numpy, pyyaml, tokenizers, tqdm, matplotlib (+ transformers
# for the speed row's peer).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${OUT:?set OUT to the folder for the results}"
export WANDB_MODE=disabled PYTHONUNBUFFERED=1
exec "$(command -v python3 || command -v python)" scripts/device_run.py
