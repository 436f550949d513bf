#!/usr/bin/env python
"""What Weights & Biases' offline logging costs a CPU training run: wall time and CPU time of the same short run with
`--wandb off` and `--wandb offline`, alternated (off, offline, off, offline, ...) so a slow spell hits both alike.

    python scripts/wandb_cost.py --out releases/wandb_cost.json      # ~5 minutes on 2 cores; needs wandb installed

CPU time is that of the whole process tree (the training process and the W&B service it starts), read from
`getrusage(RUSAGE_CHILDREN)` around each run."""
import argparse, json, os, resource, subprocess, sys, tempfile, time
from pathlib import Path

def one(mode: str, steps: int, data: str) -> dict:
    with tempfile.TemporaryDirectory() as d:
        cmd = [sys.executable, '-m', 'scratch_lm.cli', 'train', '--preset', 'cpu', '--no-compile', '--data', data,
               '--run-dir', str(Path(d)/'run'), '--wandb', mode, f'max_steps={steps}', f'eval_every={steps}', 'log_every=1']
        env = {**os.environ, 'WANDB_SILENT': 'true', 'WANDB_DIR': d}
        r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.time()
        p = subprocess.run(cmd, capture_output=True, text=True, env=env)
        wall, r1 = time.time() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
        if p.returncode: sys.exit(f"{' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
        if mode != 'off' and not list(Path(d).rglob('*.wandb')): sys.exit(f"--wandb {mode}: no W&B run file was written")
        return dict(mode=mode, wall_s=round(wall, 2), cpu_s=round(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime, 2))

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--steps', type=int, default=10, help='training steps per run (each logged)')
    ap.add_argument('--rounds', type=int, default=2, help='pairs of runs (off, offline)')
    ap.add_argument('--data', default='data')
    ap.add_argument('--out', default=None, help='write the figures here as JSON')
    a = ap.parse_args()
    import wandb                                                   # fail now if it is not installed
    runs = [one(m, a.steps, a.data) for _ in range(a.rounds) for m in ('off', 'offline')]
    for r in runs: print(f"{r['mode']:8} wall {r['wall_s']:7.1f} s   cpu {r['cpu_s']:7.1f} s")
    mean = lambda m, k: sum(r[k] for r in runs if r['mode'] == m) / a.rounds
    res = dict(command=' '.join(['python scripts/wandb_cost.py', *sys.argv[1:]]), steps=a.steps, wandb=wandb.__version__,
               cpu=next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), '?'),
               threads=os.cpu_count(), runs=runs,
               extra_wall_s=round(mean('offline', 'wall_s') - mean('off', 'wall_s'), 2),
               extra_cpu_s=round(mean('offline', 'cpu_s') - mean('off', 'cpu_s'), 2),
               wall_ratio=round(mean('offline', 'wall_s') / mean('off', 'wall_s'), 3))
    print(f"W&B offline: {res['extra_wall_s']:+.1f} s wall ({res['wall_ratio']:.3f}x), {res['extra_cpu_s']:+.1f} s CPU "
          f"for a {a.steps}-step run logged every step")
    if a.out: Path(a.out).write_text(json.dumps(res, indent=1) + '\n')

if __name__ == '__main__': main()
