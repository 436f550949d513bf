import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT/'data'
MIRROR = Path(os.environ.get('SCRATCH_LM_MIRROR', ROOT.parent/'shared'/'data'/'wikitext-2'))

needs_data = pytest.mark.skipif(not (DATA/'tokens'/'v1'/'train.bin').is_file(),
                                reason='needs prepared data: run `python -m scratch_lm.cli data --from MIRROR` and `... tokenizer`')
needs_mirror = pytest.mark.skipif(not (MIRROR/'wiki.train.tokens').is_file(),
                                  reason=f'needs the WikiText-2 mirror at {MIRROR} (set SCRATCH_LM_MIRROR)')

def cli(*args, check=True, timeout=600, **kw):
    "Run `python -m scratch_lm.cli ARGS` from the repo root; returns the CompletedProcess."
    env = {**os.environ, 'WANDB_MODE': 'disabled', 'PYTHONWARNINGS': 'ignore'}
    r = subprocess.run([sys.executable, '-m', 'scratch_lm.cli', *map(str, args)], cwd=ROOT, capture_output=True,
                       text=True, timeout=timeout, env=env, **kw)
    if check and r.returncode != 0: raise AssertionError(f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    return r
