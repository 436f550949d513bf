#!/usr/bin/env python
"""Rebuild releases/adaptive_tuning.{json,png} from the lines `scripts/tune_adaptive.py` printed, for a run that
stopped before writing its record (as the tuning of `wikitext2_17M_gpu` did, on an overflow in its last grid point).

    tr '\\r' '\\n' < tune.log | grep -E '^(static|cache len|dynamic )' > releases/adaptive_tuning.log
    python scripts/tuning_from_log.py releases/adaptive_tuning.log --checkpoint releases/wikitext2_17M_gpu.pt --lost 0.1:0.01"""
import argparse, json, re, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from tune_adaptive import choose, plot

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('log'); ap.add_argument('--checkpoint', required=True); ap.add_argument('--out', default='releases/adaptive_tuning')
    ap.add_argument('--lost', default='', help='lr:decay,... grid points that ran away before they were printed (recorded as lost)')
    a = ap.parse_args()
    L = Path(a.log).read_text().splitlines()
    m0 = re.match(r'static valid token ppl ([\d.]+) \(([\d,]+) tokens', L[0])
    if not m0: sys.exit(f"{a.log}: the first line is not tune_adaptive.py's 'static valid token ppl' line")
    n = int(m0[2].replace(',', ''))
    res = dict(checkpoint=a.checkpoint, split='valid', n_tokens=n, static_token_ppl=float(m0[1]), cache_grid=[], dynamic_grid=[],
               source=f"rebuilt by scripts/tuning_from_log.py from the lines tune_adaptive.py printed ({a.log}, 3 decimals)")
    for l in L[1:]:
        if m := re.match(r'cache len (\d+) theta ([\d.]+)\s+lambda ([\d.]+)\s+ppl ([\d.]+)', l):
            res['cache_grid'].append(dict(cache_len=int(m[1]), cache_theta=float(m[2]), cache_lambda=float(m[3]), token_ppl=float(m[4])))
        elif m := re.match(r'cache len (\d+) ppl ([\d.]+)', l):               # the lengths, at the best (theta, lambda) of length 2000
            b = min((r for r in res['cache_grid'] if r['cache_len'] == 2000), key=lambda r: r['token_ppl'])
            res['cache_grid'].append(dict(cache_len=int(m[1]), cache_theta=b['cache_theta'], cache_lambda=b['cache_lambda'], token_ppl=float(m[2])))
        elif m := re.match(r'dynamic (?:(sgd|rms) )?lr ([\d.eE+-]+)\s+decay ([\d.eE+-]+)\s+ppl ([\d.eE+-]+) on ([\d,]+) valid tokens \(static ([\d.]+); (\d+) resets; (\d+) s\)', l.replace(' inf ', ' 1e999 ')):
            t = int(m[5].replace(',', '')); res['dynamic_static_token_ppl'] = float(m[6]); ppl = float(m[4])
            res['dynamic_grid'].append(dict(dynamic_update=m[1] or 'sgd', dynamic_lr=float(m[2]), dynamic_decay=float(m[3]), token_ppl=ppl if ppl < float('inf') else None,
                                            ran_away=ppl == float('inf'), tokens=t, resets=int(m[7]), tokens_per_s=round(t / int(m[8]), 1)))
        else: sys.exit(f"{a.log}: a line this script does not know: {l[:80]!r}")
    for p in filter(None, a.lost.split(',')):
        lr, dec = map(float, p.split(':'))
        res['dynamic_grid'].append(dict(dynamic_update='sgd', dynamic_lr=lr, dynamic_decay=dec, token_ppl=None, ran_away=True, lost=True))
    choose(res)
    Path(a.out).with_suffix('.json').write_text(json.dumps(res, indent=1))
    plot(res, Path(a.out).with_suffix('.png'))
    print(f"best cache {res['best_cache']}; best dynamic {res['best_dynamic']}; wrote {Path(a.out).with_suffix('.json')}")

if __name__ == '__main__': main()
