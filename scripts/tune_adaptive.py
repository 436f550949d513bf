#!/usr/bin/env python
"""Tune the neural cache (lambda, theta, length) and dynamic evaluation (learning rate, pull back towards the trained
weights) on VALIDATION only, dynamic evaluation over the whole split by default.

    python scripts/tune_adaptive.py --checkpoint releases/wikitext2_17M_gpu.pt
    python scripts/tune_adaptive.py --checkpoint releases/wikitext2_17M_gpu.pt --reuse releases/adaptive_tuning.json  # keep its other points

Writes releases/adaptive_tuning.json (every grid point) and releases/adaptive_tuning.png. The best values become
CACHE_DEFAULTS / DYNAMIC_DEFAULTS in nbs/06_eval.ipynb (a test checks they agree); test is never looked at here."""
import argparse, itertools, json, math, sys, time
from pathlib import Path
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scratch_lm.data import atomic_write, read_text, split_file, variant_dir
from scratch_lm.tokenizer import encode_text
from scratch_lm.checkpoint import load_checkpoint, model_from_checkpoint, tokenizer_from_checkpoint
from scratch_lm.evaluate import adaptive_score, cache_nll, stream_states
from scratch_lm.step import perplexity

def choose(res):
    "The best cache and dynamic settings of a tuning record (dynamic settings that diverged or ran away never win)."
    res['best_cache'] = {k: v for k, v in min(res['cache_grid'], key=lambda r: r['token_ppl']).items() if k != 'token_ppl'}
    bd = min((r for r in res['dynamic_grid'] if not r.get('resets') and r['token_ppl'] is not None), key=lambda r: r['token_ppl'], default=None)
    if bd is None: sys.exit('every dynamic setting diverged: try smaller --dynamic-lrs')
    res['best_dynamic'] = dict(dynamic_lr=bd['dynamic_lr'], dynamic_decay=bd['dynamic_decay'], dynamic_update=bd.get('dynamic_update', 'sgd'))

def plot(res, path):
    "The tuning record as three panels: the cache grid, the cache length, the dynamic learning rates."
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.6))
    for lam in sorted({r['cache_lambda'] for r in res['cache_grid']}):
        pts = [(r['cache_theta'], r['token_ppl']) for r in res['cache_grid'] if r['cache_lambda'] == lam and r['cache_len'] == 2000]
        ax[0].plot(*zip(*pts), marker='o', label=f'λ={lam}')
    ax[0].set(xscale='log', xlabel='θ', ylabel='valid token ppl', title='cache (length 2000)'); ax[0].legend(fontsize=7)
    pts = sorted((r['cache_len'], r['token_ppl']) for r in res['cache_grid'] if r['cache_theta'] == res['best_cache']['cache_theta'] and r['cache_lambda'] == res['best_cache']['cache_lambda'])
    ax[1].plot(*zip(*pts), marker='o'); ax[1].axhline(res['static_token_ppl'], ls='--', c='gray', label='static')
    ax[1].set(xscale='log', xlabel='cache length', title=f"cache (θ={res['best_cache']['cache_theta']}, λ={res['best_cache']['cache_lambda']})"); ax[1].legend()
    for u, d in sorted({(r.get('dynamic_update', 'sgd'), r['dynamic_decay']) for r in res['dynamic_grid']}):
        pts = [(r['dynamic_lr'], r['token_ppl']) for r in res['dynamic_grid'] if r['dynamic_decay'] == d and r.get('dynamic_update', 'sgd') == u]
        ax[2].plot(*zip(*pts), marker='o', label=f'{u}, decay {d}')
    ax[2].axhline(res['dynamic_static_token_ppl'], ls='--', c='gray', label='static')
    ax[2].set(xscale='log', yscale='log', xlabel='learning rate (missing points ran away)', title=f"dynamic eval ({res['dynamic_grid'][0]['tokens']:,} valid tokens)"); ax[2].legend()
    fig.tight_layout(); fig.savefig(path, dpi=90)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--checkpoint', default=None, help='default: the release in releases/')
    ap.add_argument('--data', default='data')
    ap.add_argument('--dynamic-tokens', type=int, default=0,
                    help='validation prefix used to tune dynamic evaluation (0: the whole split; a short prefix cannot see '
                         'the slow drift of weights that keep learning, which only shows on long text)')
    ap.add_argument('--dynamic-update', choices=['sgd', 'rms'], default='rms', help='plain SGD steps or RMS-normalised ones')
    ap.add_argument('--dynamic-lrs', default='1e-5,3e-5,1e-4', help='learning rates to try (SGD needs ~1000x larger ones: 0.01,0.03,0.1)')
    ap.add_argument('--reuse', default=None, help="an earlier record of the same checkpoint: its dynamic grid points are kept, not re-run")
    ap.add_argument('--dynamic-decays', default='0', help='pull back towards the trained weights after each window (e.g. 0,0.01)')
    ap.add_argument('--out', default='releases/adaptive_tuning')
    a = ap.parse_args()
    ckp = Path(a.checkpoint) if a.checkpoint else max(Path('releases').glob('*.pt'), key=lambda p: p.stat().st_mtime)
    ck = load_checkpoint(ckp)
    model, tok = model_from_checkpoint(ck, ckp), tokenizer_from_checkpoint(ck, path=ckp)
    ids = encode_text(tok, read_text(variant_dir(a.data, 'v1')/split_file('v1', 'valid')))
    t = time.time()
    lp, H, Y = stream_states(model, ids, progress=True)
    n = len(Y); static = -lp.sum().item()
    print(f"static valid token ppl {math.exp(static / n):.3f} ({n:,} tokens, states in {time.time() - t:.0f} s)", flush=True)
    res = dict(checkpoint=str(ckp), split='valid', n_tokens=n, static_token_ppl=math.exp(static / n), cache_grid=[], dynamic_grid=[])
    for theta, lam in itertools.product([0.001, 0.003, 0.01, 0.03, 0.1, 0.3], [0.05, 0.1, 0.2, 0.3, 0.4]):
        ppl = math.exp(cache_nll(lp, H, Y, theta, lam, 2000) / n)
        res['cache_grid'].append(dict(cache_len=2000, cache_theta=theta, cache_lambda=lam, token_ppl=ppl))
        print(f"cache len 2000 theta {theta:<6} lambda {lam:<5} ppl {ppl:.3f}", flush=True)
    b = min(res['cache_grid'], key=lambda r: r['token_ppl'])
    for L in [500, 1000, 5000, 10000, 20000]:
        ppl = math.exp(cache_nll(lp, H, Y, b['cache_theta'], b['cache_lambda'], L) / n)
        res['cache_grid'].append(dict(cache_len=L, cache_theta=b['cache_theta'], cache_lambda=b['cache_lambda'], token_ppl=ppl))
        print(f"cache len {L} ppl {ppl:.3f}", flush=True)
    sub = ids[:a.dynamic_tokens + 1] if a.dynamic_tokens else ids
    base = adaptive_score(model, sub)
    res['dynamic_static_token_ppl'] = math.exp(base[0] / base[1])
    if a.reuse:
        old = json.loads(Path(a.reuse).read_text())
        if old['checkpoint'] != str(ckp) or old['n_tokens'] != n: sys.exit(f"{a.reuse}: another checkpoint or split; cannot reuse")
        todo = {(a.dynamic_update, float(lr), float(d)) for lr in a.dynamic_lrs.split(',') for d in a.dynamic_decays.split(',')}
        res['dynamic_grid'] = [r for r in ({'dynamic_update': 'sgd', **r} for r in old['dynamic_grid'])   # (older records: SGD)
                               if (r['dynamic_update'], r['dynamic_lr'], r['dynamic_decay']) not in todo]
        if any(r.get('tokens') not in (None, len(sub) - 1) for r in res['dynamic_grid']):
            sys.exit(f"{a.reuse}: its dynamic points were scored on another number of tokens; cannot reuse")
        if 'source' in old: res['reused_source'] = old['source']
        print(f"kept {len(res['dynamic_grid'])} dynamic grid points from {a.reuse}", flush=True)
    for lr, decay in itertools.product([float(x) for x in a.dynamic_lrs.split(',')], [float(x) for x in a.dynamic_decays.split(',')]):
        t = time.time(); nll, m, ex = adaptive_score(model, sub, dynamic_lr=lr, dynamic_decay=decay, dynamic_update=a.dynamic_update)
        ppl = perplexity(nll, m)                                       # inf: weights that ran away without a NaN
        res['dynamic_grid'].append(dict(dynamic_update=a.dynamic_update, dynamic_lr=lr, dynamic_decay=decay, token_ppl=ppl if ppl < float('inf') else None,
                                        ran_away=ppl == float('inf'), tokens=m,
                                        resets=ex['dynamic_resets'], tokens_per_s=ex['adaptive_tokens_per_s']))
        print(f"dynamic {a.dynamic_update} lr {lr:<6} decay {decay:<6} ppl {ppl:.3f} on {m:,} valid tokens (static "
              f"{res['dynamic_static_token_ppl']:.3f}; {ex['dynamic_resets']} resets; {time.time() - t:.0f} s)", flush=True)
    choose(res)
    with atomic_write(Path(a.out).with_suffix('.json'), 'w') as f: json.dump(res, f, indent=1)
    plot(res, Path(a.out).with_suffix('.png'))
    print(f"best cache {res['best_cache']}; best dynamic {res['best_dynamic']}; wrote {Path(a.out).with_suffix('.json')}")

if __name__ == '__main__': main()
