#!/usr/bin/env python
"""Bring a GPU run home: reassemble the weights that `scripts/device_run.sh` left in OUT, release them, re-score them
on this machine's CPU, and record where and how long they trained.

    python scripts/bring_home.py OUT                         # -> releases/wikitext2_<N>M_gpu.{pt,json} + loss curve
    python scripts/bring_home.py OUT --splits valid          # validation only (test is scored once, for the release)
    python scripts/bring_home.py OUT --speed OLD/speed.json  # a run made with SPEED_ROW=0: the speed row of another
                                                             # call on the same GPU (refused if the GPU differs, unless
                                                             # --speed-from-another-gpu: then recorded as such)

The release is made by `scripts/release.py --tag gpu` (strict and sliding evaluation, the sample file) from a run
folder rebuilt from OUT; the JSON then gains a `gpu_run` section: the GPU, its training seconds, the speed row
(scratch_lm vs Hugging Face GPT-2 on the same GPU, same process) and the GPU's own validation figure.
At most one checkpoint stays in releases/ (the whole tree travels to the GPU machine): with --keep-one, the other
`.pt` files there are deleted; their JSON files stay."""
import argparse, hashlib, json, shutil, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scratch_lm.data import ScratchLMError, atomic_write
from scratch_lm.checkpoint import load_checkpoint
from scratch_lm.train import plot_metrics

def curve_title(ev: dict) -> str:
    "What the release's loss curve is: the GPU, the preset and the run's overrides (from the call's eval.json)."
    return f"{ev['env']['gpu'] or 'CPU (dry run)'}, {ev['preset']} preset" + (f": {' '.join(ev['overrides'])}" if ev.get('overrides') else '')

def rebuild_run(out: Path, run: Path, title: str = '') -> Path:
    "A run folder (checkpoints/best.pt, metrics.jsonl, loss.png titled `title`) from a device run's OUT folder."
    parts = sorted(out.glob('weights.pt.part*'), key=lambda p: int(p.name.rsplit('part', 1)[1]))
    if not parts: raise ScratchLMError(f"{out}: no weights.pt.part* files; is this the OUT folder of scripts/device_run.sh?")
    if not (out/'weights.json').is_file(): raise ScratchLMError(f"{out/'weights.json'}: missing; the weights cannot be checked")
    man = json.loads((out/'weights.json').read_text())
    if [hashlib.sha256(p.read_bytes()).hexdigest() for p in parts] != man['parts']:
        raise ScratchLMError(f"{out}: the weight parts do not match weights.json (the run was cut while writing them); "
                             f"the best weights are lost for this run: run it again")
    (run/'checkpoints').mkdir(parents=True, exist_ok=True)
    with open(run/'checkpoints'/'best.pt', 'wb') as f:
        for p in parts: f.write(p.read_bytes())
    load_checkpoint(run/'checkpoints'/'best.pt')                    # whole and readable, or a clear error
    if not (out/'metrics.jsonl').is_file():
        raise ScratchLMError(f"{out/'metrics.jsonl'}: missing; the device run did not reach its first evaluation")
    shutil.copyfile(out/'metrics.jsonl', run/'metrics.jsonl')
    plot_metrics(run/'metrics.jsonl', run/'loss.png', title)       # drawn again here: the GPU's plot names its temporary folder
    return run

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('out', help="the device run's OUT folder")
    ap.add_argument('--releases', default='releases')
    ap.add_argument('--data', default='data')
    ap.add_argument('--splits', default='valid,test')
    ap.add_argument('--stride', type=int, default=256, help='stride of the sliding-window evaluation')
    ap.add_argument('--keep-one', action='store_true', help='delete the other .pt files in --releases (their JSON stays)')
    ap.add_argument('--speed', help="a speed.json from another call on the same GPU, for a run made with SPEED_ROW=0")
    ap.add_argument('--speed-from-another-gpu', action='store_true',
                    help="accept a --speed measured on another GPU (the release then says which GPU each figure comes from)")
    a = ap.parse_args()
    out, rel_dir = Path(a.out), Path(a.releases)
    speed_path = Path(a.speed) if a.speed else out/'speed.json'
    if not (out/'eval.json').is_file(): raise ScratchLMError(f"{out/'eval.json'}: missing; the device run stopped before writing it")
    if not speed_path.is_file():                                     # checked before minutes of CPU evaluation
        raise ScratchLMError(f"{speed_path}: missing; the run skipped its speed row (SPEED_ROW=0)? pass --speed with an "
                             f"speed.json of another call on the same GPU" if not a.speed else f"{speed_path}: no such file")
    ev, speed = json.loads((out/'eval.json').read_text()), json.loads(speed_path.read_text())
    if 'tokens_per_s' not in speed:                                  # the call trained, but its speed row failed
        raise ScratchLMError(f"{speed_path}: holds no speed row ({str(speed.get('error', 'no tokens_per_s'))[:120]}); pass --speed "
                             f"with the speed.json of another call on the same GPU")
    other_gpu = speed.get('gpu') != ev['env']['gpu']
    if other_gpu and not a.speed_from_another_gpu:
        raise ScratchLMError(f"{speed_path}: measured on {speed.get('gpu')}, but the run trained on {ev['env']['gpu']}; "
                             f"a speed row must come from the same GPU (or pass --speed-from-another-gpu to record it as such)")
    man = json.loads((out/'weights.json').read_text()) if (out/'weights.json').is_file() else {}
    if 'run' in ev and man and man.get('run') != ev['run']:                  # (eval.json follows the shipped weights as they change)
        raise ScratchLMError(f"{out/'eval.json'}: describes run {ev['run']}, but the weights are run {man.get('run')}'s "
                             f"(the call was cut between the two writes); its record cannot be trusted: run it again")
    with tempfile.TemporaryDirectory() as tmp:
        run = rebuild_run(out, Path(tmp)/'gpu_run', curve_title(ev))
        subprocess.run([sys.executable, str(ROOT/'scripts'/'release.py'), '--run', str(run), '--out', str(rel_dir),
                        '--data', a.data, '--splits', a.splits, '--stride', str(a.stride), '--tag', 'gpu'], check=True)
    jpath = max(rel_dir.glob('wikitext2_*M_gpu.json'), key=lambda p: p.stat().st_mtime)
    info = json.loads(jpath.read_text())
    info['gpu_run'] = dict(gpu=ev['env']['gpu'], torch=ev['env']['torch'], cuda=ev['env']['cuda'],
                           train_seconds=ev['train']['train_seconds'], steps=ev['train']['step'], preset=ev['preset'],
                           tokens_per_step=ev['tokens_per_step'], speed=speed,
                           speed_source='this call' if not a.speed else f"another call on {'another GPU, ' + str(speed.get('gpu')) if other_gpu else 'the same GPU'} ({speed_path.name})",
                           stopped_early=ev['train'].get('interrupted') or ev['train'].get('failed') or
                               ('the call ended during this run' if ev['train'].get('in_progress') else None),
                           overrides=ev.get('overrides', []), sweep=[dict(overrides=r['overrides'], max_steps=r['max_steps'],
                               steps=r['summary'].get('step'), best_val_ppl=r['summary'].get('best_val_ppl'),
                               failed=r['summary'].get('failed'), stopped=r['summary'].get('interrupted'))
                               for r in ev.get('sweep') or []] or None,
                           valid_strict_on_gpu={k: ev[k] for k in ('token_ppl', 'word_ppl', 'bits_per_byte', 'n_tokens') if k in ev})
    with atomic_write(jpath, 'w') as f: json.dump(info, f, indent=1)
    print(f"wrote {jpath}: trained {info['gpu_run']['train_seconds']:.0f} s on {info['gpu_run']['gpu']}; valid strict "
          f"(CPU re-score) token ppl {info['evaluations']['valid_strict']['token_ppl']:.2f}")
    if a.keep_one:
        keep = jpath.with_suffix('.pt')
        for p in rel_dir.glob('*.pt'):
            if p != keep: p.unlink(); print(f"removed {p} (its JSON stays)")

if __name__ == '__main__':
    try: main()
    except ScratchLMError as e: print(f"error: {e}", file=sys.stderr); sys.exit(1)
