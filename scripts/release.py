#!/usr/bin/env python
"""Release a trained run: the bf16 checkpoint, every evaluation figure, the loss curve and the sample-quality file.

    python scripts/release.py --run runs/release                 # static evaluation: valid + test, strict + sliding
    python scripts/release.py --run runs/release --adaptive      # add neural cache / dynamic evaluation rows
    python scripts/release.py --samples --tag gpu                # only write the sample-quality file again

Writes releases/wikitext2_<N>M[_TAG].{pt,json}, releases/wikitext2_<N>M_loss.png and releases/wikitext2_<N>M_samples.md.
Test is evaluated here, once per release; tuning uses validation only (scripts/tune_adaptive.py)."""
import argparse, json, shutil, sys, time
from pathlib import Path
import torch, yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scratch_lm.data import atomic_write, split_file, variant_dir
from scratch_lm.checkpoint import load_checkpoint, release_checkpoint
from scratch_lm.evaluate import evaluate
from scratch_lm.sample import Sampler, quality_report

def run_summary(run: Path) -> dict:
    "Steps, tokens, wall time and throughput of the run, from its metrics log."
    rows = [json.loads(l) for l in (run/'metrics.jsonl').read_text().splitlines()]
    tr = [r for r in rows if 'loss' in r]; ev = [r for r in rows if 'val_loss' in r]
    best = min(ev, key=lambda r: r['val_loss'])
    return dict(steps=tr[-1]['step'], tokens=tr[-1]['tokens'], epochs=tr[-1]['epoch'], wall_time_s=tr[-1]['wall_time'],
                tokens_per_s=round(tr[-1]['tokens'] / tr[-1]['wall_time'], 1), final_train_loss=tr[-1]['loss'],
                best_step=best['step'], best_val_loss_in_training=best['val_loss'],
                curve=[dict(step=r['step'], val_ppl=r['val_ppl']) for r in ev])

def adaptive_flags(r: dict) -> str:
    "The eval flags that repeat adaptive result `r` with its own settings (the tuned defaults change with each release)."
    f = ''
    if 'cache' in r['mode']: f += f" --cache --cache-len {r['cache_len']} --cache-theta {r['cache_theta']} --cache-lambda {r['cache_lambda']}"
    if 'dynamic' in r['mode']:
        f += f" --dynamic --dynamic-update {r.get('dynamic_update', 'sgd')} --dynamic-lr {r['dynamic_lr']} --dynamic-decay {r['dynamic_decay']}"
    return f

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--run', default='runs/release', help='the run folder (its checkpoints/best.pt is released)')
    ap.add_argument('--out', default='releases')
    ap.add_argument('--data', default='data')
    ap.add_argument('--stride', type=int, default=256, help='stride of the sliding-window evaluation')
    ap.add_argument('--adaptive', action='store_true', help='only add the adaptive-evaluation rows to an existing release')
    ap.add_argument('--splits', default='valid,test', help='comma-separated splits to evaluate')
    ap.add_argument('--methods', default='cache,cache_dynamic,dynamic', help='with --adaptive: which rows, in this order')
    ap.add_argument('--tag', default='', help='appended to the release name (e.g. gpu: wikitext2_17M_gpu.pt)')
    ap.add_argument('--samples', action='store_true', help="only write an existing release's sample-quality file (and its summary) again")
    a = ap.parse_args()
    run, out = Path(a.run), Path(a.out)
    if a.adaptive and a.samples: sys.exit("error: --adaptive and --samples each update an existing release; give one")
    if not (a.adaptive or a.samples):
        rel = release_checkpoint(run/'checkpoints'/'best.pt', out, a.tag)
        print(f"wrote {rel} ({rel.stat().st_size / 1e6:.1f} MB)")
    else:
        found = sorted(out.glob(f"wikitext2_*M{'_' + a.tag if a.tag else ''}.pt"))
        if len(found) != 1 or not found[0].with_suffix('.json').is_file():
            sys.exit(f"error: {out}: {len(found)} releases named wikitext2_*M{'_' + a.tag if a.tag else ''}.pt "
                     f"({', '.join(p.name for p in found) or 'none'}), each needs its JSON; pass the --tag of the one to update")
        rel = found[0]
    stem = rel.with_suffix('')
    jpath = stem.with_suffix('.json')
    info = json.loads(jpath.read_text()) if a.adaptive or a.samples else {}
    ck = load_checkpoint(rel)
    cmd = lambda split, extra='': (f"python -m scratch_lm.cli eval --checkpoint {rel} --split {split}{extra} --json")
    splits = a.splits.split(',')
    def save():                                                     # after every evaluation: an interrupted run keeps its rows
        with atomic_write(jpath, 'w') as f: json.dump(info, f, indent=1)
    if not (a.adaptive or a.samples):
        info.update(release=rel.name, n_params=ck['n_params'], tokenizer_sha256=ck['tokenizer_sha256'],
                    source_checkpoint=str(run/'checkpoints'/'best.pt'), step=ck['step'], config=ck['config'],
                    git_commit=ck['config'].get('git_commit'), training=run_summary(run), evaluations={})
        for split in splits:
            for name, stride in (('strict', None), (f'sliding{a.stride}', a.stride)):
                t = time.time()
                r = evaluate(rel, split=split, data=a.data, stride=stride, progress=False)
                r['command'] = cmd(split, f' --stride {stride}' if stride else '')
                info['evaluations'][f'{split}_{name}'] = r; save()
                print(f"{split:5} {name:10} token ppl {r['token_ppl']:7.2f}  word ppl {r['word_ppl']:7.2f}  "
                      f"bits/byte {r['bits_per_byte']:.4f}  ({time.time() - t:.0f} s)", flush=True)
        shutil.copy(run/'loss.png', f'{stem}_loss.png')
    if not a.adaptive:                                               # a new release, or --samples alone
        variant = ck['config'].get('variant', 'v1')                   # human text beside the samples: the validation split
        summ = quality_report(Sampler(rel), f'{stem}_samples.md', reference=variant_dir(a.data, variant)/split_file(variant, 'valid'))
        info['samples'] = dict(file=f'{stem.name}_samples.md', **summ,
                               command=f"python scripts/release.py --samples{' --tag ' + a.tag if a.tag else ''}{' --out ' + a.out if a.out != 'releases' else ''}"); save()
        print(f"wrote {stem}_samples.md" if a.samples else f"wrote {stem}_loss.png and {stem}_samples.md")
    else:
        from scratch_lm.evaluate import evaluate_adaptive
        rows = {'cache': dict(cache=True), 'dynamic': dict(dynamic=True), 'cache_dynamic': dict(cache=True, dynamic=True)}
        for split in splits:
            for name in a.methods.split(','):
                kw = rows[name]
                t = time.time()
                r = evaluate_adaptive(rel, split=split, data=a.data, progress=False, **kw)
                r['command'] = cmd(split, adaptive_flags(r))                 # the settings spelled out: defaults move
                info['evaluations'][f'{split}_{name}'] = r; save()
                print(f"{split:5} {name:14} token ppl {r['token_ppl']:7.2f}  word ppl {r['word_ppl']:7.2f}  "
                      f"bits/byte {r['bits_per_byte']:.4f}  ({time.time() - t:.0f} s)", flush=True)
    save(); print(f"wrote {jpath}")

if __name__ == '__main__': main()
