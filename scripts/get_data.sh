#!/usr/bin/env bash
# Fetch, verify and clean WikiText-2 into data/ (a thin wrapper over `python -m scratch_lm.cli data`).
#   scripts/get_data.sh                              # download from the official archive
#   scripts/get_data.sh --from ../shared/data/wikitext-2   # copy from a local mirror
set -euo pipefail
exec python -m scratch_lm.cli data "$@"
