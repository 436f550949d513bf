"""One short GPU run, everything written into OUT as it goes (see scripts/device_run.sh).

1. the environment (torch, CUDA, GPU) and every import, data file and preset it needs: fails in seconds if one is missing;
2. a speed row: scratch_lm's training step and Hugging Face's GPT2LMHeadModel of the same shape, both compiled, same
   precision, same GPU, same process -> speed.json;
3. the headline training (the `gpu` preset, changed by SCRATCH_LM_OVERRIDES="key=value ..."; its max_steps, or steps
   sized from the measured speed to fit TRAIN_SECONDS when that is set), or a sweep of variants one after the other
   (SCRATCH_LM_SWEEP="weight_decay=0.3; weight_decay=1.0 lr=1e-3": each adds to the overrides; eval.json records every
   run's curve, and OUT holds the best weights of them all with their run's metrics); after
   every evaluation that improves, the best (averaged) weights are written to OUT as bf16 parts, then weights.json
   (their step and SHA-256s, written last, so parts from two checkpoints are never taken for one), with metrics.jsonl
   and loss.png: a run cut short still returns its best weights so far (the config travels inside the weights);
4. the full validation split scored on the GPU (strict 512-token windows) -> eval.json.

With SCRATCH_LM_DRY_RUN=1 the same steps run on the CPU with the tiny preset, in about a minute. SPEED_ROW=0 skips
step 2 (for a second run in the same session).
"""
import hashlib, json, math, os, shutil, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = Path(os.environ.get('OUT') or sys.exit('set OUT to the folder for the results'))
DRY = os.environ.get('SCRATCH_LM_DRY_RUN', '0') not in ('', '0')
TRAIN_SECONDS = float(os.environ.get('TRAIN_SECONDS') or 0)   # > 0: size the run to this many seconds of training
DATA = Path(os.environ.get('SCRATCH_LM_DATA', ROOT/'data'))
OVERRIDES = os.environ.get('SCRATCH_LM_OVERRIDES', '').split()   # key=value changes to the preset, e.g. dropout=0.3
_sw = os.environ.get('SCRATCH_LM_SWEEP', '')                      # variants: "a=1 b=2; c=3" ("" = the preset as it is)
SWEEP = _sw.split(';') if _sw.strip() else []
SPEED_ROW = os.environ.get('SPEED_ROW', '1') != '0'               # 0: no speed row (a second run in one session)
PART = 15 * 2**20                                   # bytes per weights part (the machine returns files of <= 16 MiB)
T0 = time.time()

def say(*a): print(f"[{time.time() - T0:6.1f}s]", *a, flush=True)

def write_json(name, obj):
    (OUT/f'{name}.tmp').write_text(json.dumps(obj, indent=1)); os.replace(OUT/f'{name}.tmp', OUT/name)

# 1. environment, imports, data: fail fast
OUT.mkdir(parents=True, exist_ok=True)
import torch
from scratch_lm.config import load_config
from scratch_lm.step import pick_device
from scratch_lm.checkpoint import release_checkpoint
from scratch_lm.train import train
from scratch_lm.evaluate import evaluate
from scratch_lm.bench import bench
device = pick_device('cpu' if DRY else 'cuda')
env = dict(torch=torch.__version__, cuda=torch.version.cuda, device=device, dry_run=DRY,
           gpu=torch.cuda.get_device_name() if device == 'cuda' else None, python=sys.version.split()[0])
say('environment:', json.dumps(env))
import matplotlib, tokenizers, tqdm                               # needed later: fail now, not after training
if not DRY: import transformers                                   # the speed row's peer
for f in ['tokens/v1/train.bin', 'tokens/v1/valid.bin', 'tokens/v1/meta.json', 'tokenizer/v1/tokenizer.json',
          'wikitext-2-v1/wiki.valid.tokens']:
    if not (DATA/f).is_file(): sys.exit(f"{DATA/f}: missing; prepare the data (scratch_lm data + tokenizer) and carry data/")
preset = 'tiny' if DRY else 'gpu'
cfg = load_config(preset, OVERRIDES, data=str(DATA), device=device, wandb='off')
for v in SWEEP: load_config(preset, OVERRIDES + v.split())       # a typo in a variant fails now, not after a run
if TRAIN_SECONDS > 0 and not SPEED_ROW: sys.exit('TRAIN_SECONDS sizes runs from the speed row: drop SPEED_ROW=0 or TRAIN_SECONDS')
say(f"preset {preset} {' '.join(OVERRIDES)}: {cfg.tokens_per_step:,} tokens a step")

# 1b. the whole path once on the device with the tiny model (loop, averaging, checkpoint, release, scoring): a bug
# there shows in seconds, not after the speed row and the compilations
with tempfile.TemporaryDirectory(prefix='scratch_lm_preflight_') as d:
    pre = load_config('tiny', data=str(DATA), device=device, wandb='off', max_steps=6, eval_every=3, ckpt_every=3,
                      ema=0.9, compile=False)
    train(pre, Path(d)/'run', quiet=True, after_eval=lambda s, v, b: b and release_checkpoint(Path(d)/'run'/'checkpoints'/'best.pt', Path(d)/'rel'))
    tiny_valid = Path(d)/'valid.txt'; tiny_valid.write_text((DATA/'wikitext-2-v1'/'wiki.valid.tokens').read_text()[:20000])
    r = evaluate(Path(d)/'run'/'checkpoints'/'best.pt', text=str(tiny_valid), device=device, progress=False)
    say(f"preflight on {device}: 6 steps of the tiny model, checkpoint, release, scoring (ppl {r['token_ppl']:.0f}): fine")

# 2. the speed row
if SPEED_ROW:
    kw = dict(steps=3 if DRY else 20, warmup=1 if DRY else 5, device=device, log=lambda *a: say(*a))
    try: speed = bench(preset, peers=('eager',) if DRY else ('compiled',), **kw)
    except Exception as e:                                            # the run matters more than the comparison
        say(f"speed row without the peer ({type(e).__name__}: {str(e)[:120]})")
        speed = bench(preset, peer=False, **kw)
    speed.update(env=env)
    write_json('speed.json', speed)
    say(f"speed: scratch_lm {speed['tokens_per_s']:,.0f} tokens/s (MFU {speed['mfu']:.3f})" + (
        f", HF GPT-2 {speed['peers']['hf_gpt2']['tokens_per_s']:,.0f} -> {speed['speedup_vs_hf']:.2f}x" if 'peers' in speed else ''))

# 3. training (one run, or a sweep of variants), sized by the measured speed; the best weights leave as they come
best = dict(loss=float('inf'), run=None)                          # over the whole sweep: what OUT holds

def ship_from(run):
    def ship(step, val_loss, is_best):
        "After an evaluation: if it beats every run so far, write its bf16 release in parts; keep the holder's logs."
        if is_best and val_loss < best['loss']:
            rel = release_checkpoint(run/'checkpoints'/'best.pt', run/'release')
            data = rel.read_bytes()
            n = -(-len(data) // PART)
            for i in range(n):                                    # each part replaced whole, then stale ones removed
                (OUT/f'.part{i}.tmp').write_bytes(data[i * PART:(i + 1) * PART]); os.replace(OUT/f'.part{i}.tmp', OUT/f'weights.pt.part{i}')
            for old in OUT.glob('weights.pt.part*'):
                if int(old.name.rsplit('part', 1)[1]) >= n: old.unlink()
            write_json('weights.json', dict(step=step, val_loss=val_loss, bytes=len(data), run=run.name,
                                            parts=[hashlib.sha256(data[i * PART:(i + 1) * PART]).hexdigest() for i in range(n)]))
            best.update(loss=val_loss, run=run)
            say(f"step {step}: val loss {val_loss:.4f} (ppl {math.exp(val_loss):.2f}), best so far: {len(data) / 2**20:.1f} MiB shipped")
        elif is_best: say(f"step {step}: val loss {val_loss:.4f} (ppl {math.exp(val_loss):.2f})")
        if best['run'] == run:                                    # the curve that goes with the shipped weights
            for f in ('metrics.jsonl', 'loss.png'):
                if (run/f).is_file(): shutil.copyfile(run/f, OUT/f'.{f}.tmp'); os.replace(OUT/f'.{f}.tmp', OUT/f)
    return ship

sweep, record = [v.split() for v in SWEEP] or [[]], []
for k, variant in enumerate(sweep):
    ov = OVERRIDES + variant
    cfg = load_config(preset, ov, data=str(DATA), device=device, wandb='off')
    sized = TRAIN_SECONDS > 0 and not any(o.startswith('max_steps=') for o in ov)   # else the preset's steps
    if sized:
        steps_per_s = speed['tokens_per_s'] / cfg.tokens_per_step
        cfg.max_steps = max(40, int(TRAIN_SECONDS * steps_per_s * 0.7))   # 30 % for averaging, evaluations, shipping, compile
    if not any(o.startswith('eval_every=') for o in ov): cfg.eval_every = max(20, cfg.max_steps // 16)
    cfg.ckpt_every = cfg.max_steps                                # the run folder is temporary
    say(f"run {k + 1}/{len(sweep)} {' '.join(ov) or '(the preset)'}: {cfg.max_steps:,} steps "
        f"(~{cfg.max_steps * cfg.tokens_per_step / 2.39e6:.1f} epochs)" + (f" in ~{TRAIN_SECONDS:.0f} s" if sized else ''))
    run = Path(tempfile.mkdtemp(prefix=f'scratch_lm_run{k + 1}_'))
    try: summary = train(cfg, run, quiet=True, after_eval=ship_from(run))
    except Exception as e:                                        # (diverged, say): recorded, and the sweep goes on
        if len(sweep) == 1: raise
        summary = dict(failed=f"{type(e).__name__}: {str(e)[:300]}", wall_time=0.0); say(f"run {k + 1} failed: {summary['failed']}")
    summary['train_seconds'] = round(summary['wall_time'], 1)
    say('training done:', json.dumps(summary))
    rows = [json.loads(l) for l in (run/'metrics.jsonl').read_text().splitlines()] if (run/'metrics.jsonl').is_file() else []
    record.append(dict(overrides=ov, max_steps=cfg.max_steps, tokens_per_step=cfg.tokens_per_step, summary=summary, run=run.name,
                       curve=[{f: r[f] for f in ('step', 'val_loss', 'val_ppl')} for r in rows if 'val_loss' in r],
                       train=[{f: r[f] for f in ('step', 'loss', 'lr', 'epoch')} for r in rows if 'loss' in r]))
    if best['run'] is None: continue                              # nothing shipped yet
    winner = next(r for r in record if r['run'] == best['run'].name)
    base = dict(env=env, train=winner['summary'], preset=preset, overrides=winner['overrides'], max_steps=winner['max_steps'],
                tokens_per_step=winner['tokens_per_step'], sweep=record if len(sweep) > 1 else None)
    write_json('eval.json', base)                                 # the training record so far, before the scoring
if best['run'] is None: sys.exit('no run reached an evaluation that could be shipped; see the messages above')

# 4. the full validation split, strict windows, on the device, for the weights that were shipped
r = evaluate(best['run']/'checkpoints'/'best.pt', split='valid', data=str(DATA), device=device, dtype='fp32', progress=False,
             batch_size=32)
write_json('eval.json', {**r, **base})
say(f"valid (strict, full split), {' '.join(base['overrides']) or 'the preset'}: token ppl {r['token_ppl']:.2f}, "
    f"word ppl {r['word_ppl']:.2f}, {r['bits_per_byte']:.4f} bits/byte")
say('files in OUT:', sorted(p.name for p in OUT.iterdir()))
