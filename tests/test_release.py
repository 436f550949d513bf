"The released model: loadable safely, named by its size, and its figures reproduce and agree with the README."
import json, math, re
from pathlib import Path
import pytest, torch
from conftest import cli, needs_real_data, ROOT

CHECKPOINTS = sorted((ROOT/'releases').glob('wikitext2_*M*.pt'))       # at most one: the whole tree travels to a GPU
RECORDS = sorted((ROOT/'releases').glob('wikitext2_*M*.json'))         # every release's figures stay, weights or not
pytestmark = pytest.mark.skipif(not CHECKPOINTS, reason='no release in releases/ yet')

@pytest.fixture(scope='module')
def rel():
    pt = CHECKPOINTS[-1]
    return json.loads(pt.with_suffix('.json').read_text()), pt

def test_one_checkpoint_and_every_record():
    assert len(CHECKPOINTS) == 1, CHECKPOINTS
    assert CHECKPOINTS[0].with_suffix('.json') in RECORDS

def test_checkpoint_is_safe_small_and_named_by_its_size(rel):
    info, pt = rel
    ck = torch.load(pt, map_location='cpu', weights_only=True)
    n = sum(v.numel() for k, v in ck['model'].items() if k != 'lm_head.weight')      # tied: counted once
    assert n == info['n_params'] and pt.stem.split('_')[:2] == ['wikitext2', f"{round(n / 1e6)}M"]
    assert all(v.dtype == torch.bfloat16 for v in ck['model'].values() if v.is_floating_point())
    assert 'optimizer' not in ck and pt.stat().st_size < 2.1 * n                    # bf16, tied weights stored once
    assert ck['tokenizer_sha256'] == info['tokenizer_sha256']

@pytest.mark.parametrize('record', RECORDS, ids=lambda p: p.stem)
def test_readme_agrees_with_the_json(record):
    info = json.loads(record.read_text())
    readme = (ROOT/'README.md').read_text()
    assert info['tokenizer_sha256'] in readme
    for key, r in info['evaluations'].items():
        for f in ('token_ppl', 'word_ppl'): assert f"{r[f]:.2f}" in readme, (record.name, key, f, r[f])
        assert f"{r['bits_per_byte']:.3f}" in readme, (record.name, key, 'bits_per_byte')
    assert results_md().table(info) in readme, f"{record.name}: the README's table is not what results_md.py prints; rerun it"

def results_md():
    import importlib.util
    spec = importlib.util.spec_from_file_location('results_md', ROOT/'scripts'/'results_md.py')
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    return m

def test_the_gpu_preset_is_the_released_recipe():
    "The `gpu` preset, with the overrides the release was trained with, is the recipe in the release's config."
    gpu = next((json.loads(r.read_text()) for r in RECORDS if r.stem.endswith('_gpu')), None)
    if gpu is None: pytest.skip('no GPU release')
    from dataclasses import asdict
    from scratch_lm.config import load_config
    cfg = load_config('gpu', gpu['gpu_run']['overrides'])
    want, have = gpu['config'], {**asdict(cfg), 'model': asdict(cfg.model_config())}
    keys = ['batch_size', 'grad_accum', 'lr', 'min_lr_ratio', 'warmup_steps', 'max_steps', 'schedule', 'decay_frac',
            'weight_decay', 'beta1', 'beta2', 'eps', 'grad_clip', 'ema', 'seed']
    assert {k: have[k] for k in keys} == {k: want[k] for k in keys}
    assert {k: have['model'][k] for k in want['model']} == want['model']     # (keys added since take their no-change defaults)

def test_results_table_puts_each_figure_in_its_column():
    ev = {f'{s}_strict': dict(token_ppl=t, word_ppl=w, bits_per_byte=b, command=f'eval --split {s}')
          for s, t, w, b in [('valid', 1.11, 2.22, 3.333), ('test', 4.44, 5.55, 6.666)]}
    out = results_md().table(dict(release='m.pt', evaluations=ev)).splitlines()
    assert out[0] == '| `m` on WikiText-2 | valid: token ppl | word ppl | bits/byte | test: token ppl | word ppl | bits/byte |'
    assert out[2] == '| static, strict 512-token windows | 1.11 | 2.22 | 3.333 | 4.44 | 5.55 | 6.666 |'
    assert '# static, strict 512-token windows\neval --split valid\n```' in '\n'.join(out)   # one command: test differs by --split

def test_adaptive_defaults_are_the_tuned_ones():
    tuning = ROOT/'releases'/'adaptive_tuning.json'
    if not tuning.is_file(): pytest.skip('no adaptive tuning saved')
    from scratch_lm.evaluate import CACHE_DEFAULTS, DYNAMIC_DEFAULTS
    t = json.loads(tuning.read_text())
    assert CACHE_DEFAULTS == t['best_cache'] and DYNAMIC_DEFAULTS == t['best_dynamic']

@needs_real_data
def test_validation_figure_reproduces(rel):
    info, pt = rel
    want = info['evaluations']['valid_strict']
    r = json.loads(cli('eval', '--checkpoint', pt, '--split', 'valid', '--json').stdout)
    assert r['n_tokens'] == want['n_tokens'] and r['n_words'] == want['n_words']
    assert math.isclose(r['token_ppl'], want['token_ppl'], rel_tol=1e-4)
    assert r['n_bytes'] == want['n_bytes'] == len((ROOT/'data'/'wikitext-2-v1'/'wiki.valid.tokens').read_bytes())   # bytes, not characters
    assert math.isclose(r['bits_per_byte'], want['bits_per_byte'], rel_tol=1e-4)
