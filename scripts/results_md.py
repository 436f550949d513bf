#!/usr/bin/env python
"""Print the README's results tables (Markdown) from releases/*.json, so the README quotes the saved figures exactly.

    python scripts/results_md.py        # paste the output into nbs/index.ipynb, then python scripts/make_readme.py

tests/test_release.py checks that every figure of the release JSON appears in the README."""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def row(name, r, cmd=True):
    c = f"`{r['command']}`" if cmd else ''
    return f"| {name} | {r['token_ppl']:.2f} | {r['word_ppl']:.2f} | {r['bits_per_byte']:.3f} | {c} |"

def main():
    rels = sorted((ROOT/'releases').glob('wikitext2_*M.json'))
    if not rels: sys.exit('no release JSON in releases/')
    info = json.loads(rels[-1].read_text()); ev = info['evaluations']; name = info['release'].removesuffix('.pt')
    out = ['| model (WikiText-2) | token ppl | word ppl | bits/byte | reproduce |', '|---|---:|---:|---:|---|']
    labels = [('strict', 'static, strict 512-token windows'), ('sliding256', 'static, sliding window (stride 256)'),
              ('cache', '+ neural cache (adaptive)'), ('dynamic', '+ dynamic evaluation (adaptive)'),
              ('cache_dynamic', '+ cache + dynamic (adaptive)')]
    for split in ('valid', 'test'):
        for key, label in labels:
            if f'{split}_{key}' in ev: out.append(row(f"scratch_lm `{name}`, **{split}**, {label}", ev[f'{split}_{key}']))
    print('\n'.join(out))
    t = info['training']
    print(f"\nTraining: {t['steps']:,} steps, {t['tokens']:,} tokens ({t['epochs']:.2f} epochs), "
          f"{t['wall_time_s'] / 3600:.2f} h wall, {t['tokens_per_s']:,.0f} tokens/s, best step {t['best_step']}.")
    b = ROOT/'releases'/'bench.json'
    if b.is_file():
        r = json.loads(b.read_text()); hf = r['peers']['hf_gpt2']
        print(f"\n| training step, seed shape, batch {r['batch']}, {r['dtype']} | tokens/s | MFU |\n|---|---:|---:|")
        print(f"| scratch_lm (`cpu` preset{', compiled' if r['compile'] else ''}) | {r['tokens_per_s']:,.0f} | {r['mfu']:.3f} |")
        for k in ('eager', 'compiled'):
            if hf.get(k): print(f"| HF `GPT2LMHeadModel`, {k} | {hf[k]['tokens_per_s']:,.0f} | {hf[k]['mfu']:.3f} |")
        print(f"\nmatmul peak {r['peak_flops'] / 1e9:,.0f} GFLOP/s ({r['dtype']}, 2048²), {r['cpu_capability']} CPU, "
              f"{r['threads']} threads; scratch_lm / best HF = {r['speedup_vs_hf']:.2f}×; peak RSS {r['peak_rss_mb']:,.0f} MB.")

if __name__ == '__main__': main()
