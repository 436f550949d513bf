"""The package as a user gets it: build the wheel, install it with torch into a fresh virtual environment (no system
site-packages, so nothing of this checkout is importable), and run the console script from an empty folder.

Slow (a few minutes: a venv, torch and the dependencies, from pip's cache or the package index). Set
SCRATCH_LM_SKIP_WHEEL=1 to skip it. SCRATCH_LM_TEST_TORCH says how torch is installed there (pip's arguments; default
`torch==2.13.0`, which PyPI serves as the CUDA build on Linux; for the CPU build:
`torch==2.13.0 --extra-index-url https://download.pytorch.org/whl/cpu`)."""
import os, shlex, shutil, subprocess, sys, time
from pathlib import Path
import pytest
from conftest import ROOT, DATA

pytestmark = pytest.mark.skipif(os.environ.get('SCRATCH_LM_SKIP_WHEEL') == '1',
                                reason='SCRATCH_LM_SKIP_WHEEL=1: wheel build + fresh-venv install test skipped')
TORCH = shlex.split(os.environ.get('SCRATCH_LM_TEST_TORCH', 'torch==2.13.0'))   # CI's mirror serves the CPU wheel of it

def run(args, cwd, env=None, timeout=900):
    r = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{' '.join(map(str, args))}: exit {r.returncode}\nstdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}"
    return r

@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    "A fresh venv with the wheel and torch installed; returns (bin dir, env, empty work dir)."
    tmp = tmp_path_factory.mktemp('wheel')
    t0 = time.time()
    src = tmp/'src'; src.mkdir()                                     # build from a copy: no build/ left in the checkout
    for f in ('setup.py', 'settings.ini', 'README.md', 'LICENSE', 'MANIFEST.in'): shutil.copy2(ROOT/f, src/f)
    shutil.copytree(ROOT/'scratch_lm', src/'scratch_lm', ignore=shutil.ignore_patterns('__pycache__'))
    run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', tmp/'dist', src], cwd=tmp)
    wheels = list((tmp/'dist').glob('scratch_lm-*.whl'))
    assert len(wheels) == 1, wheels
    t1 = time.time()
    run([sys.executable, '-m', 'venv', tmp/'venv'], cwd=tmp)           # no --system-site-packages: a clean interpreter
    bin_ = tmp/'venv'/'bin'
    env = {k: v for k, v in os.environ.items() if k not in ('VIRTUAL_ENV', 'PYTHONPATH', 'PYTHONHOME')}
    env.update(PATH=f"{bin_}{os.pathsep}{env.get('PATH', '')}", WANDB_MODE='disabled', PYTHONWARNINGS='ignore')
    run([bin_/'python', '-m', 'pip', 'install', '-q', *TORCH, wheels[0]], cwd=tmp, env=env)
    t2 = time.time()
    print(f"\nwheel built in {t1 - t0:.0f} s; venv + `pip install {shlex.join(TORCH)} {wheels[0].name}` in {t2 - t1:.0f} s")
    work = tmp/'work'; work.mkdir()
    return bin_, env, work

def test_installed_not_the_checkout(installed):
    bin_, env, work = installed
    out = run([bin_/'python', '-c', 'import scratch_lm, scratch_lm.config as c; print(scratch_lm.__file__); '
               'print(sorted(p.stem for p in c.PRESETS.glob("*.yaml")))'], cwd=work, env=env).stdout.splitlines()
    assert str(bin_.parent) in out[0] and str(ROOT) not in out[0], out       # imported from the venv's site-packages
    assert {'cpu', 'seed', 'tiny'} <= set(eval(out[1])), out                   # presets shipped as package data
    run([bin_/'python', '-m', 'pip', 'check'], cwd=work, env=env)

def test_help(installed):
    bin_, env, work = installed
    for cmd in ([bin_/'scratch_lm', '--help'], [bin_/'python', '-m', 'scratch_lm', '--help']):
        out = run(cmd, cwd=work, env=env).stdout
        for c in ('data', 'tokenizer', 'train', 'eval', 'generate', 'bench', 'export'): assert c in out, (cmd, out)

def test_export_without_transformers_is_one_line(installed):
    bin_, env, work = installed                                      # transformers is an extra, not installed here
    r = subprocess.run([bin_/'scratch_lm', 'export', '--hf', 'hf', '--checkpoint', 'x.pt'], cwd=work, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 1 and r.stderr.count('\n') == 1 and 'pip install transformers safetensors' in r.stderr, r.stderr

def test_own_corpus_train_eval_generate(installed):
    "A user's own text, from an empty folder: data --corpus, tokenizer --vocab-size, a tiny train, eval, generate."
    bin_, env, work = installed
    import json
    prose = [''.join(c['source']) for nb in sorted((ROOT/'nbs').glob('*.ipynb'))
             for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'markdown']
    texts = work/'my_texts'; texts.mkdir()
    for i in range(40): (texts/f'note_{i:02}.txt').write_text('\n\n'.join(prose[i::40]) + '\n')
    sl = bin_/'scratch_lm'
    out = run([sl, 'data', '--corpus', 'my_texts', '--out', 'my_data'], cwd=work, env=env).stdout
    assert '| train |' in out and '40 files' in out, out
    out = run([sl, 'tokenizer', '--data', 'my_data', '--vocab-size', '600'], cwd=work, env=env).stdout
    assert 'tokenizer.json: 600 tokens' in out, out
    out = run([sl, 'train', '--preset', 'tiny', '--data', 'my_data', '--run-dir', 'run', '--wandb', 'off', 'max_steps=6',
               'eval_every=3'], cwd=work, env=env).stdout
    assert "model vocab_size 600 (the tokenizer's)" in out, out
    ck = work/'run'/'checkpoints'/'best.pt'
    r = json.loads(run([sl, 'eval', '--checkpoint', ck, '--split', 'valid', '--data', 'my_data', '--json'], cwd=work, env=env).stdout)
    assert r['file'].endswith('valid.txt') and r['n_tokens'] > 100 and 1 < r['token_ppl'] < 600 * 1.5, r
    out = run([sl, 'generate', '--checkpoint', ck, '--prompt', 'The model', '--max-new-tokens', '5'], cwd=work, env=env).stdout
    assert out.strip().startswith('The model'), out
