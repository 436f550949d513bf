import os, subprocess, sys, tempfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
MIRROR = Path(os.environ.get('SCRATCH_LM_MIRROR', ROOT.parent/'shared'/'data'/'wikitext-2'))
REAL = ROOT/'data'
HAS_REAL = (REAL/'tokens'/'v1'/'train.bin').is_file() and not os.environ.get('SCRATCH_LM_TEST_FIXTURE')

def make_fixture(root: Path) -> Path:
    "A small corpus in WikiText's layout, made from the project's own prose, encoded with the committed tokenizer."
    import json, shutil
    from scratch_lm.tokenizer import prepare_tokenizer
    if (root/'tokens'/'v1'/'meta.json').is_file(): return root
    arts = []
    for nb in sorted((ROOT/'nbs').glob('*.ipynb')) + [ROOT/'DEVELOPERS.md']:
        text = (''.join(''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'markdown')
                if nb.suffix == '.ipynb' else nb.read_text())
        lines = [' ' + ' '.join(l.split()) + ' ' for l in text.splitlines() if len(l.split()) > 3]
        arts.append(f" = {nb.stem} = \n \n" + '\n'.join(lines) + '\n \n')
    src = root/'wikitext-2-v1'; src.mkdir(parents=True, exist_ok=True)
    train = ''.join(arts[:-3]) * 3                                      # a few hundred KB: enough to see learning
    (src/'train.clean.txt').write_text(train); (src/'wiki.train.tokens').write_text(train)
    (src/'wiki.valid.tokens').write_text(''.join(arts[-3:-1])); (src/'wiki.test.tokens').write_text(arts[-1])
    (root/'tokenizer'/'v1').mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REAL/'tokenizer'/'v1'/'tokenizer.json', root/'tokenizer'/'v1'/'tokenizer.json')
    prepare_tokenizer(root, 'v1', verbose=False)
    return root

# The end-to-end tests run everywhere: on WikiText-2 when it is prepared (CI with the mirror), else on the fixture.
DATA = REAL if HAS_REAL else make_fixture(Path(tempfile.gettempdir())/'scratch_lm_fixture')
print(f"end-to-end tests on {'WikiText-2 in ' + str(REAL) if HAS_REAL else 'the fixture corpus in ' + str(DATA)}")

needs_real_data = pytest.mark.skipif(not HAS_REAL, reason='needs WikiText-2 prepared: run `python -m scratch_lm.cli data --from MIRROR` and `... tokenizer`')
needs_mirror = pytest.mark.skipif(not (MIRROR/'wiki.train.tokens').is_file(),
                                  reason=f'needs the WikiText-2 mirror at {MIRROR} (set SCRATCH_LM_MIRROR)')

def cli(*args, check=True, timeout=600, **kw):
    "Run `python -m scratch_lm.cli ARGS` from the repo root; returns the CompletedProcess."
    env = {**os.environ, 'WANDB_MODE': 'disabled', 'PYTHONWARNINGS': 'ignore'}
    r = subprocess.run([sys.executable, '-m', 'scratch_lm.cli', *map(str, args)], cwd=ROOT, capture_output=True,
                       text=True, timeout=timeout, env=env, **kw)
    if check and r.returncode != 0: raise AssertionError(f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    return r
