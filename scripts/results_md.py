#!/usr/bin/env python
"""Print the README's results tables (Markdown) from releases/*.json, so the README quotes the saved figures exactly.

    python scripts/results_md.py        # paste the output into nbs/index.ipynb, then python scripts/make_readme.py

tests/test_release.py checks that every figure of the release JSON appears in the README."""
import json, statistics, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def paired(r, name=None):
    "The median over the rounds of contender `name`'s step time / scratch_lm's, each pair timed in the same round (`per_round`); best HF by default."
    hf = r['peers']['hf_gpt2']; mode = 'compiled' if hf.get('compiled') and hf['compiled']['tokens_per_s'] == hf['tokens_per_s'] else 'eager'
    st = r['per_round']['step_s']
    return statistics.median(p / s for p, s in zip(st[name or f'HF GPT2LMHeadModel {mode}'], st['scratch_lm']))

LABELS = [('strict', 'static, strict 512-token windows'), ('sliding256', 'static, sliding window (stride 256)'),
          ('cache', '+ neural cache (adaptive)'), ('dynamic', '+ dynamic evaluation (adaptive)'),
          ('cache_dynamic', '+ cache + dynamic (adaptive)'), ('dynamic_sgd', '+ dynamic evaluation, plain SGD (adaptive)'),
          ('cache_dynamic_sgd', '+ cache + dynamic, plain SGD (adaptive)')]

def table(info, splits=('valid', 'test'), keys=None):
    "The evaluation rows of one release: one row per method, each split's three figures side by side; then the commands."
    ev, name = info['evaluations'], info['release'].removesuffix('.pt')
    splits = [s for s in splits if any(k.startswith(f'{s}_') for k in ev)]
    keys = [(k, label) for k, label in LABELS if any(f'{s}_{k}' in ev for s in splits) and (keys is None or k in keys)]
    figs = lambda r: f"{r['token_ppl']:.2f} | {r['word_ppl']:.2f} | {r['bits_per_byte']:.3f}" if r else '| |'
    out = [f"| `{name}` on WikiText-2 | " + ' | '.join(f"{s}: token ppl | word ppl | bits/byte" for s in splits) + ' |',
           '|---|' + '---:|---:|---:|' * len(splits)]
    for k, label in keys:
        out.append(f"| {label} | " + ' | '.join(figs(ev.get(f'{s}_{k}')) for s in splits) + ' |')
    out += ['', 'Each row, reproduced' + (f" (on {splits[1]}: the same with `--split {splits[1]}`)" if len(splits) > 1 else '') + ':', '', '```sh']
    for k, label in keys:
        cmds = {s: ev[f'{s}_{k}']['command'] for s in splits if f'{s}_{k}' in ev}
        first = next(iter(cmds.values()))
        same = all(c == first.replace(f'--split {next(iter(cmds))}', f'--split {s}') for s, c in cmds.items())
        out += [f'# {label}'] + ([first] if same else list(cmds.values()))
    return '\n'.join(out + ['```'])

def main():
    rels = {p.stem: json.loads(p.read_text()) for p in sorted((ROOT/'releases').glob('wikitext2_*M*.json'))}
    if not rels: sys.exit('no release JSON in releases/')
    import re
    gpu = next((r for k, r in reversed(rels.items()) if k.endswith('_gpu')), None)       # the newest of each kind
    cpu = next((r for k, r in reversed(rels.items()) if re.fullmatch(r'wikitext2_\d+M', k)), None)
    if gpu:
        g, t = gpu['gpu_run'], gpu['training']
        print(f"### `{gpu['release']}`: {g['train_seconds']:.0f} s of training on one {g['gpu']}\n")
        print(table(gpu))
        print(f"\nTraining: best of {g['steps']:,} steps of {g['tokens_per_step']:,} tokens ({t['epochs']:.1f} epochs) at "
              f"step {t['best_step']:,}; {g['train_seconds']:.0f} s of training ({g['torch']}, CUDA {g['cuda']}, bf16, compiled).")
        runs = ROOT/'releases'/'gpu_runs'/'runs.json'
        if runs.is_file():
            print('\n| GPU run | steps | epochs | best valid ppl (at epoch) | last valid ppl | command |\n|---|---:|---:|---:|---:|---|')
            for r in json.loads(runs.read_text())['runs']:
                print(f"| {r['name']} | {r['steps_done']:,} | {r['epochs_done']:.0f} | {r['best_val_ppl']:.2f} ({r['best_epoch']:.0f}) "
                      f"| {r['last_val_ppl']:.2f} | `{r['command']}` |")
        s = g['speed']; hf = s.get('peers', {}).get('hf_gpt2')         # (no peer if Hugging Face's model could not run)
        print(f"\n| training step on one {s['gpu']}, batch {s['batch']}, {s['dtype']}, compiled, no dropout | tokens/s | MFU |\n|---|---:|---:|")
        print(f"| scratch_lm (`gpu` preset) | {s['tokens_per_s']:,.0f} | {s['mfu']:.3f} |")
        if hf: print(f"| HF `GPT2LMHeadModel` | {hf['tokens_per_s']:,.0f} | {hf['mfu']:.3f} |")
        if cg := s.get('cuda_graphs'):                                 # (measured since the speed row has it)
            print(f"| scratch_lm as CUDA graphs (`compile_mode=reduce-overhead`{'; some graphs not recorded' if cg['cudagraph_skips'] else ''}) "
                  f"| {cg['tokens_per_s']:,.0f} | {cg['mfu']:.3f} |")
        gp = s.get('peak_flops_rounds')                                # (a run before bench measured it every round: once)
        print(f"\nmatmul peak {s['peak_flops'] / 1e12:,.0f} TFLOP/s (bf16, 8192²"
              + (f"; the median of the rounds, {gp['min'] / 1e12:,.0f}-{gp['max'] / 1e12:,.0f}" if gp else '; measured once') + ")"
              f"; scratch_lm / HF = {s.get('speedup_vs_hf', float('nan')):.2f}×; "
              f"{s['rounds']} interleaved rounds, median step {s['median_step_s'] * 1e3:.1f} ms.")
    if cpu:
        t = cpu['training']
        print(f"\n### `{cpu['release']}`: the CPU-only run\n")
        print(table(cpu))
        print(f"\nTraining: {t['steps']:,} steps, {t['tokens']:,} tokens ({t['epochs']:.2f} epochs), "
              f"{t['wall_time_s'] / 3600:.2f} h wall, {t['tokens_per_s']:,.0f} tokens/s, best step {t['best_step']}.")
    for b in (ROOT/'releases'/'bench.json', ROOT/'releases'/'bench_avx2.json'):
        if not b.is_file(): continue
        r = json.loads(b.read_text()); hf = r['peers']['hf_gpt2']
        print(f"\n`{b.relative_to(ROOT)}`: {r['cpu']} ({', '.join(r.get('cpu_flags') or [r['cpu_capability']])}), torch {r['torch']}")
        has = 'min_step_s' in r                                         # step-time spreads: recorded since they were added
        spread = lambda v: f" | {v['min_step_s']:.2f}-{v['max_step_s']:.2f}" if has else ''
        print(f"\n| training step, the seed model's shape, batch {r['batch']}, {r['dtype']} | tokens/s | MFU"
              + (" | step time, s (fastest-slowest of the rounds)" if has else '') + " |\n|---|---:|---:|" + ('---:|' if has else ''))
        print(f"| scratch_lm (`cpu` preset{', compiled' if r['compile'] else ''}) | {r['tokens_per_s']:,.0f} | {r['mfu']:.3f}{spread(r)} |")
        if r.get('products'): print(f"| its matrix products alone, nothing else (an estimate of the most MFU a step can reach) | "
                                    f"{r['products']['tokens_per_s']:,.0f} | {r['products']['mfu']:.3f}{spread(r['products'])} |")
        for k in ('eager', 'compiled'):
            if hf.get(k): print(f"| HF `GPT2LMHeadModel`, {k} | {hf[k]['tokens_per_s']:,.0f} | {hf[k]['mfu']:.3f}{spread(hf[k])} |")
        names = {'whole logits': "scratch_lm, its loss on the whole batch's logits (no chunked head)",
                 'whole logits, F.cross_entropy': "scratch_lm, whole logits and PyTorch's `F.cross_entropy`",
                 'F.cross_entropy': "scratch_lm with PyTorch's `F.cross_entropy` instead of its own loss"}
        for k, v in r.get('ablations', {}).items():
            print(f"| {names.get(k, 'scratch_lm, ' + k)} (`--ablate`) | {v['tokens_per_s']:,.0f} | {v['mfu']:.3f}{spread(v)} |")
        rounds = r.get('speedup_rounds')
        pr = r.get('peak_flops_rounds')
        print(f"\nmatmul peak {r['peak_flops'] / 1e9:,.0f} GFLOP/s ({r['dtype']}, 2048²"
              + (f"; the median of the rounds, {pr['min'] / 1e9:,.0f}-{pr['max'] / 1e9:,.0f}" if pr else '') + f"), {r['cpu_capability']} CPU, "
              f"{r['threads']} threads; scratch_lm / best HF = {r['speedup_vs_hf']:.3f}×"
              + (f" (round by round, {rounds['min']:.2f}-{rounds['max']:.2f}× over {r['rounds']} rounds" if rounds else '')
              + (f", median {paired(r):.3f}×" if r.get('per_round') else '') + (')' if rounds else '')
              + f"; peak RSS {r['peak_rss_mb']:,.0f} MB; "
              f"attention kernel {r.get('attn_impl', 'sdpa')}" + (" (measured: " + ', '.join(f"{k} {v:,.0f} ms" for k, v in r['attention_ms'].items())
              + " per layer, forward + backward)" if r.get('attention_ms') else '') + '.')
        if r.get('per_round'):
            print("\nRound by round, each contender's step time / scratch_lm's in the same round (the median of the rounds): "
                  + ', '.join(f"{k} {paired(r, k):.3f}" for k in r['per_round']['step_s'] if k != 'scratch_lm') + '.')
        if r.get('step_peak_mb'):
            print(f"\n| one training step (`--memory`, a fresh process each) | peak RSS, MB | above the RSS before the step, MB |\n|---|---:|---:|")
            for k, v in r['step_peak_mb'].items():
                print(f"| {k} loss head | {v['peak_mb']:,.0f} | {v['peak_mb'] - v['before_mb']:,.0f} |")

if __name__ == '__main__': main()
