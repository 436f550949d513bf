"""One short GPU run, everything written into OUT as it goes (see scripts/device_run.sh).

1. the environment (torch, CUDA, GPU) and every import, data file and preset it needs: fails in seconds if one is missing;
2. a speed row: scratch_lm's training step and Hugging Face's GPT2LMHeadModel of the same shape, both compiled, same
   precision, same GPU, same process, plus scratch_lm's step replayed as CUDA graphs and a profile of one step
   -> speed.json;
3. the headline training (the `gpu` preset, changed by SCRATCH_LM_OVERRIDES="key=value ..."; its max_steps, or steps
   sized from the measured speed to fit TRAIN_SECONDS when that is set), or a sweep of variants one after the other
   (SCRATCH_LM_SWEEP="weight_decay=0.3; weight_decay=1.0 lr=1e-3": each adds to the overrides; eval.json records every
   run's curve, and OUT holds the best weights of them all with their run's metrics); after
   every evaluation that improves, the best (averaged) weights are written to OUT as bf16 parts, then weights.json
   (their step and SHA-256s, written last, so parts from two checkpoints are never taken for one), with metrics.jsonl
   and loss.png: a run cut short still returns its best weights so far (the config travels inside the weights);
   if torch.compile fails on this machine before a run's first evaluation, the run starts again uncompiled, and so
   do the runs after it (each recorded with `compile=false` among its overrides);
4. the full validation split scored on the GPU (strict 512-token windows) -> eval.json.

With SCRATCH_LM_DRY_RUN=1 the same steps run on the CPU with the tiny preset, in about a minute. SPEED_ROW=0 skips
step 2 (for a second run in the same session). In a sweep, `-` is the preset as it is; an empty variant (a stray `;`)
is refused. DEADLINE_S=N stops training N seconds after the start (as SIGTERM does: at the end of a step), skips the
variants not started, and still scores and writes everything: set it ~45 s under the call's time limit. eval.json
is rewritten right after the shipped weights change, so a killed run's eval.json describes them (bar the instant
between the two writes, which bring_home.py detects).
"""
import atexit, hashlib, json, math, os, shutil, signal, sys, tempfile, threading, time, traceback
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = Path(os.environ.get('OUT') or sys.exit('set OUT to the folder for the results'))
def flag(name: str, default: str) -> bool:
    v = os.environ.get(name, '').strip() or default
    if v not in ('0', '1'): sys.exit(f"{name}={v!r}: use 1 or 0")
    return v == '1'

DRY = flag('SCRATCH_LM_DRY_RUN', '0')
DEADLINE = float(os.environ.get('DEADLINE_S') or 0)             # > 0: stop training this many seconds after the start
TRAIN_SECONDS = float(os.environ.get('TRAIN_SECONDS') or 0)   # > 0: size the run to this many seconds of training
DATA = Path(os.environ.get('SCRATCH_LM_DATA', ROOT/'data'))
OVERRIDES = os.environ.get('SCRATCH_LM_OVERRIDES', '').split()   # key=value changes to the preset, e.g. dropout=0.3
_sw = os.environ.get('SCRATCH_LM_SWEEP', '')                      # variants: "a=1 b=2; c=3" ("" = the preset as it is)
SWEEP = [v.split() for v in _sw.split(';')] if _sw.strip() else []
for _k, _v in enumerate(SWEEP):                                   # a stray ';' would add a whole run of the preset
    if not _v: sys.exit(f"SCRATCH_LM_SWEEP: variant {_k + 1} is empty (a stray ';'?); write - for the preset as it is")
SWEEP = [[] if v == ['-'] else v for v in SWEEP]
SPEED_ROW = flag('SPEED_ROW', '1')                                # 0: no speed row (a second run in one session)
PART = int(float(os.environ.get('SCRATCH_LM_PART_MIB') or 15) * 2**20)   # bytes per weights part (the machine returns files
                                                                  # of <= 16 MiB; smaller in the dry run's test, for several)
T0 = time.time()

def say(*a): print(f"[{time.time() - T0:6.1f}s]", *a, flush=True)

# 1. environment, imports, data: fail fast
OUT.mkdir(parents=True, exist_ok=True)
def _staging() -> Path:
    "Where files are written before being renamed into OUT: beside it if a rename from there works, else OUT itself."
    d = None
    try:
        d = Path(tempfile.mkdtemp(prefix='.scratch_lm_staging_', dir=OUT.resolve().parent))
        (d/'probe').write_bytes(b''); os.replace(d/'probe', OUT/'.probe'); (OUT/'.probe').unlink()
        atexit.register(shutil.rmtree, d, True)                   # gone however the script ends (bar a kill)
        return d
    except OSError:                                               # (a kill mid-write may then leave a .tmp file in OUT)
        if d: shutil.rmtree(d, ignore_errors=True)
        return OUT
STAGE = _staging()

def put(name, data: bytes):
    "Write OUT/name whole or not at all."
    (STAGE/f'.{name}.tmp').write_bytes(data); os.replace(STAGE/f'.{name}.tmp', OUT/name)

def write_json(name, obj): put(name, json.dumps(obj, indent=1).encode())

import torch
from scratch_lm.config import CUDA_GRAPH_MODES, load_config
from scratch_lm.step import compiled, cudagraph_skips, pick_device
from scratch_lm.checkpoint import init_weights, release_checkpoint
from scratch_lm.data import ScratchLMError, sha256_file
from scratch_lm.model import DROPOUT_KEYS, GPT, n_params
from scratch_lm.train import TrainingInterrupted, train
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
def checked_config(overrides, **kw):
    "The preset with `overrides`; a bad key or value ends the script in one line, before anything slow."
    try: return load_config(preset, overrides, **kw)
    except ScratchLMError as e: sys.exit(f"error: {e}")
cfg = checked_config(OVERRIDES, data=str(DATA), device=device, wandb='off')
tok_sha = sha256_file(DATA/'tokenizer'/'v1'/'tokenizer.json')
graph_modes = set()                                               # CUDA-graph compile modes some variant trains with
for v in SWEEP or [[]]:                                           # every variant checked now, not after the runs before it
    c = checked_config(OVERRIDES + v)                             # a typo in a key or value
    if c.compile and c.compile_mode in CUDA_GRAPH_MODES: graph_modes.add(c.compile_mode)
    with torch.device('meta'): size = 2 * n_params(GPT(c.model_config())) + 2**20   # the bf16 release, tokenizer included
    files = -(-size // PART) + 4 + SPEED_ROW                # its parts + weights.json, eval.json, metrics, plot (+ speed)
    if files > 8: sys.exit(f"{' '.join(OVERRIDES + v)}: its weights ship in {files - 4 - SPEED_ROW} parts, {files} files in OUT "
                           f"with the rest, more than the 8 that come back; use a smaller model")
    if c.init_from:                                               # the file, its shape and its tokenizer
        try: init_weights(c.init_from, asdict(c.model_config()), tok_sha)
        except ScratchLMError as e: sys.exit(f"error: {e}")
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
    every_dropout = [f'model.{k}=0.1' for k in DROPOUT_KEYS]      # each kind of dropout inside the recorded graphs
    others = [f'model.{k}=0.1' for k in DROPOUT_KEYS if k != 'attn_dropout']
    for mode in sorted(graph_modes):                              # a variant trains with CUDA graphs: the loop with them once,
        skips0 = cudagraph_skips()
        train(load_config('tiny', every_dropout, data=str(DATA), device=device, wandb='off', max_steps=6, eval_every=3,
                          ckpt_every=3, ema=0.9, compile=True, compile_mode=mode, grad_accum=1), Path(d)/f'run_{mode}', quiet=True,
              after_eval=lambda s, v, b: b and release_checkpoint(Path(d)/f'run_{mode}'/'checkpoints'/'best.pt', Path(d)/f'rel_{mode}'))
        for what, ov in [('attention dropout (SDPA)', ['model.attn_dropout=0.1']), ('the other dropouts', others)]:
            m = GPT(load_config('tiny', ov).model_config()).to(device).train()   # replays must draw new masks, for each
            f, x = compiled(lambda a: m(a, a, only_loss=True), mode), torch.randint(0, 16000, (2, 64), device=device)   # mechanism
            losses = []
            for _ in range(4):                                    # (the first calls warm up and record; then replays)
                l = f(x); losses.append(l.item()); l.backward()
            if losses[2] == losses[3]: sys.exit(f"compile_mode {mode}: two replays of a step with {what} gave the same loss "
                                                f"({losses[3]}): its masks do not change; train without CUDA graphs")
            say(f"preflight, compile_mode {mode}, {what}: replays draw new masks ({losses[2]:.4f} vs {losses[3]:.4f})")
        skipped = cudagraph_skips() - skips0
        say(f"preflight, compile_mode {mode}: 6 compiled steps with every dropout: fine" + (
            f"; the compiler declined to record {skipped} graph(s), which then run as plain compiled code" if skipped and device == 'cuda' else ''))

torch._dynamo.reset()                                             # forget the tiny model's shapes: else the compiler, having
                                                                  # seen two sizes, compiles the real model with symbolic shapes
# 2. the speed row
speed = None
if SPEED_ROW:
    kw = dict(steps=3 if DRY else 20, warmup=1 if DRY else 5, device=device, log=lambda *a: say(*a),
              profile=True)                                          # (on the GPU also the step as CUDA graphs)
    try: speed = bench(preset, peers=('eager',) if DRY else ('compiled',), **kw)
    except Exception as e:                                            # the run matters more than the comparison
        say(f"speed row without the peer ({type(e).__name__}: {str(e)[:120]})")
        try: speed = bench(preset, peer=False, **{**kw, 'profile': False}, cuda_graphs=False)
        except Exception as e2:                                       # nor alone: train anyway, with the preset's steps
            say(f"no speed row ({type(e2).__name__}: {str(e2)[:120]}); training goes on"); speed = dict(error=str(e2)[:300])
    torch._dynamo.reset()                                             # each run below compiles as it would alone
    speed.update(env=env)
    write_json('speed.json', speed)
    if 'tokens_per_s' in speed:
        say(f"speed: scratch_lm {speed['tokens_per_s']:,.0f} tokens/s (MFU {speed['mfu']:.3f})" + (
            f", HF GPT-2 {speed['peers']['hf_gpt2']['tokens_per_s']:,.0f} -> {speed['speedup_vs_hf']:.2f}x" if 'peers' in speed else '')
            + (f"; as CUDA graphs {speed['cuda_graphs']['tokens_per_s']:,.0f} ({speed['cuda_graphs']['speedup']:.2f}x)" if 'cuda_graphs' in speed else ''))
    if 'profile' in speed: say('where one step goes:\n' + speed['profile'])

# 3. training (one run, or a sweep of variants), sized by the measured speed; the best weights leave as they come
best = dict(loss=float('inf'), run=None)                          # over the whole sweep: what OUT holds
record, late = [], threading.Event()                              # every run's record; set by a SIGTERM or the deadline
signal.signal(signal.SIGTERM, lambda *a: late.set())              # (inside train(), a SIGTERM stops the run at a step)
stop_at = T0 + DEADLINE if DEADLINE > 0 else None                 # train() stops itself there, at the end of a step

def run_record(ov, cfg, run, summary=None) -> dict:
    "A run's overrides, size and curves, from its metrics.jsonl (also mid-run: then the summary is what the log says so far)."
    rows = [json.loads(l) for l in (run/'metrics.jsonl').read_text().splitlines()] if (run/'metrics.jsonl').is_file() else []
    vals = [r['val_loss'] for r in rows if 'val_loss' in r]
    ck = [int(p.stem.split('_')[1]) for p in (run/'checkpoints').glob('step_*.pt')]   # a stopped run's last step
    so_far = dict(step=max([r['step'] for r in rows] + ck, default=0), best_val_loss=min(vals, default=None),
                  best_val_ppl=math.exp(min(vals)) if vals else None, wall_time=max((r.get('wall_time', 0) for r in rows), default=0.0))
    summary = {**so_far, **(summary or {})}
    summary['train_seconds'] = round(summary['wall_time'], 1)
    return dict(overrides=ov, max_steps=cfg.max_steps, tokens_per_step=cfg.tokens_per_step, summary=summary, run=run.name,
                curve=[{f: r[f] for f in ('step', 'val_loss', 'val_ppl')} for r in rows if 'val_loss' in r],
                train=[{f: r.get(f) for f in ('step', 'loss', 'lr', 'epoch', 'tokens_per_s')} for r in rows if 'loss' in r])

def training_record(current=None) -> dict:
    "eval.json before the scoring: the record of the run whose weights OUT holds, and every run's curve."
    runs = record + ([current] if current else [])
    winner = next(r for r in runs if r['run'] == best['run'].name)
    return dict(env=env, train=winner['summary'], preset=preset, overrides=winner['overrides'], max_steps=winner['max_steps'],
                tokens_per_step=winner['tokens_per_step'], run=winner['run'], sweep=runs if len(sweep) > 1 else None)

def ship_from(run, ov, cfg):
    def ship(step, val_loss, is_best):
        "After an evaluation: if it beats every run so far, write its bf16 release in parts; keep the holder's logs."
        msg = f"step {step}: val loss {val_loss:.4f} (ppl {math.exp(val_loss):.2f})" if is_best else None
        if is_best and val_loss < best['loss']:
            rel = release_checkpoint(run/'checkpoints'/'best.pt', run/'release')
            data = rel.read_bytes()
            n = -(-len(data) // PART)
            for i in range(n):                                    # each part replaced whole, then stale ones removed
                put(f'weights.pt.part{i}', data[i * PART:(i + 1) * PART])
            for old in OUT.glob('weights.pt.part*'):
                if int(old.name.rsplit('part', 1)[1]) >= n: old.unlink()
            write_json('weights.json', dict(step=step, val_loss=val_loss, bytes=len(data), run=run.name,
                                            parts=[hashlib.sha256(data[i * PART:(i + 1) * PART]).hexdigest() for i in range(n)]))
            best.update(loss=val_loss, run=run)
            msg += f", best so far: {len(data) / 2**20:.1f} MiB shipped"
        if best['run'] == run:                                    # the curve and the record that go with the shipped weights
            for f in ('metrics.jsonl', 'loss.png'):
                if (run/f).is_file(): put(f, (run/f).read_bytes())
            write_json('eval.json', training_record(run_record(ov, cfg, run, dict(in_progress=True))))
        if msg: say(msg)                                          # (once everything it names is in OUT)
    return ship

def from_compiler(e: BaseException) -> bool:
    "Whether `e` came out of torch.compile (tracing, or inductor's code generation for this GPU), not out of the run itself."
    return isinstance(e, torch._dynamo.exc.TorchDynamoException) or any(
        '/torch/_inductor/' in f.filename.replace(os.sep, '/') for f in traceback.extract_tb(e.__traceback__))

def evaluated(run) -> bool:
    "Whether the run has logged an evaluation (so shipped weights may come from it)."
    return (run/'metrics.jsonl').is_file() and '"val_loss"' in (run/'metrics.jsonl').read_text()

sweep, per_step = SWEEP or [[]], None                             # per_step: seconds a step took, evaluations and compile included
uncompiled = None                                                 # the run whose compilation failed: later ones train uncompiled
for k, variant in enumerate(sweep):
    if late.is_set() or (stop_at and time.time() >= stop_at):
        say(f"{'deadline' if stop_at and time.time() >= stop_at else 'stop signal'}: runs {k + 1}-{len(sweep)} not started"); break
    ov = OVERRIDES + variant
    cfg = load_config(preset, ov, data=str(DATA), device=device, wandb='off')
    if uncompiled and cfg.compile: ov, cfg.compile = ov + ['compile=false'], False
    sized = TRAIN_SECONDS > 0 and not any(o.startswith('max_steps=') for o in ov)
    if sized and 'tokens_per_s' not in (speed or {}): say("TRAIN_SECONDS ignored: no speed row to size the run by"); sized = False
    if sized:
        steps_per_s = speed['tokens_per_s'] / cfg.tokens_per_step
        cfg.max_steps = max(40, int(TRAIN_SECONDS * steps_per_s * 0.7))   # 30 % for averaging, evaluations, shipping, compile
    if not any(o.startswith('eval_every=') for o in ov): cfg.eval_every = max(20, cfg.max_steps // 16)
    cfg.ckpt_every = cfg.max_steps                                # the run folder is temporary
    if stop_at and per_step:                                      # a run cut inside its decay compares with nothing: skip it
        need = per_step * cfg.max_steps
        if time.time() + need > stop_at:
            say(f"run {k + 1} would need ~{need:.0f} s at the pace of the runs before it, {stop_at - time.time():.0f} s are left "
                f"before the deadline: runs {k + 1}-{len(sweep)} not started"); break
    say(f"run {k + 1}/{len(sweep)} {' '.join(ov) or '(the preset)'}: {cfg.max_steps:,} steps "
        f"(~{cfg.max_steps * cfg.tokens_per_step / 2.39e6:.1f} epochs)" + (f" in ~{TRAIN_SECONDS:.0f} s" if sized else '')
        + (f" (uncompiled: the compiler failed in run {uncompiled})" if uncompiled else ''))
    while True:                                                   # at most twice: compiled, then (if the compiler fails) not
        run = Path(tempfile.mkdtemp(prefix='scratch_lm_'))/f'run{k + 1}'       # its name titles the loss plot
        torch._dynamo.reset(); t_run = time.time()
        try:
            summary = train(cfg, run, quiet=True, after_eval=ship_from(run, ov, cfg), stop_at=stop_at)
            if summary.get('step'): per_step = max(per_step or 0, (time.time() - t_run) / summary['step'])   # (early stop too)
        except TrainingInterrupted as e:                          # the deadline (or a SIGTERM): keep what was shipped
            late.set(); summary = dict(interrupted=str(e)[:300]); say(f"run {k + 1} stopped: {e}")
        except Exception as e:
            if cfg.compile and from_compiler(e) and not evaluated(run):   # nothing shipped yet: the same run, uncompiled
                uncompiled, first = k + 1, (str(e).strip().splitlines() or [''])[0][:200]
                say(f"torch.compile failed in run {k + 1} ({type(e).__name__}: {first}); it starts again uncompiled, "
                    "and so do the runs after it")
                ov, cfg.compile = ov + ['compile=false'], False
                continue
            if len(sweep) == 1 and best['run'] is None: raise     # (diverged, say): recorded, and the sweep goes on
            summary = dict(failed=f"{type(e).__name__}: {str(e)[:300]}"); say(f"run {k + 1} failed: {summary['failed']}")
        break
    record.append(run_record(ov, cfg, run, summary))
    say('training done:', json.dumps(record[-1]['summary']))
    if best['run'] is not None: write_json('eval.json', training_record())   # the training record so far, before the scoring
if best['run'] is None: sys.exit('no run reached an evaluation that could be shipped; see the messages above')
base = training_record()

# 4. the full validation split, strict windows, on the device: the shipped run's fp32 (averaged) weights, with TF32 matmuls
# on a GPU; the release's own figure is bring_home.py's CPU re-score of the shipped bf16 weights
r = evaluate(best['run']/'checkpoints'/'best.pt', split='valid', data=str(DATA), device=device, dtype='fp32', progress=False,
             batch_size=32)
write_json('eval.json', {**r, **base})
say(f"valid (strict, full split), {' '.join(base['overrides']) or 'the preset'}: token ppl {r['token_ppl']:.2f}, "
    f"word ppl {r['word_ppl']:.2f}, {r['bits_per_byte']:.4f} bits/byte")
say('files in OUT:', sorted(p.name for p in OUT.iterdir()))
