#!/usr/bin/env python
"""A/B of changes to the `cpu` preset's compiled training step (the bench's shape and dtype), in interleaved rounds.

    python scripts/ab_step.py 20 - gelu_saved model.loss_chunk=2048 model.loss_chunk=4096 > releases/ab_step.txt
    python scripts/ab_step.py 20 - max_autotune > releases/ab_step_max_autotune.txt 2>&1
    python scripts/ab_step.py 20 - attention@0510ed5 > releases/ab_step_attention.txt
    python scripts/ab_step.py 24 - cpp_wrapper model.dropout=0.1 cpp_wrapper,model.dropout=0.1 > releases/ab_step_cpp_wrapper.txt
    python scripts/ab_step.py 20 - deterministic > releases/ab_step_deterministic.txt
    python scripts/ab_step.py 20 model.attn_impl=sdpa model.attn_impl=blocked > releases/ab_step_attention_avx2.txt

Each variant is `-` for the preset as it is, or a comma-separated list of config overrides (`model.loss_chunk=2048`)
and flags: `gelu_saved` (the `erf` of GELU saved for the backward instead of recomputed there: the script checks that the
partition changed), `attention@REV` (this variant's attention layers run `scratch_lm/attention.py` as it was at git
revision REV: a change to the attention code against the working tree's), `cpp_wrapper` (inductor's C++ wrapper, which
calls the compiled kernels from C++ instead of Python), `deterministic` (compiled and run inside `deterministic()`,
as training runs a compiled CPU step: inductor then leaves the embedding's gradient, a scatter-add, to ATen instead of
summing it with atomic adds in an order that varies) or `max_autotune` (inductor's autotuning
with its C++ GEMM templates: in training only the batched products can get one, as the templates want constant
weights for the others; with `2>&1` the file keeps inductor's AUTOTUNE tables, which say which kernel won for each
product).

Every variant gets a compile of its own: dynamo caches compiled code per code object, and inductor and AOT autograd
cache graphs (and autotuning results) by content, so two variants compiled from one `lambda` in one process would
silently share the first one's code; those caches are off here. The variants are built and warmed first, then timed
one step each per round, in an order that turns each round; the figure to read is the median of each variant's
round-by-round ratio to the first one (above 1: slower). A variant whose warm-up steps do not give a finite loss
(`train_step` gives nan when the gradients are not finite either) is reported as such and not timed; a loss that
turns non-finite while timed voids the whole comparison (a skipped update is faster)."""
import importlib.util, math, statistics, subprocess, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))         # this checkout's scratch_lm, installed or not
import torch
import torch._functorch.config as fc, torch._functorch.partitioners as partitioners, torch._inductor.config as ic
from torch._dynamo.utils import counters
from scratch_lm.bench import NO_DROPOUT, cpu_name, time_steps
from scratch_lm.config import load_config
from scratch_lm.model import GPT
from scratch_lm.step import Precision, auto_dtype, deterministic, make_optimizer, pick_attention, train_step

ic.fx_graph_cache = ic.autotune_local_cache = fc.enable_autograd_cache = False   # nothing reused from an earlier compile
_op_list, _autotune = partitioners.get_default_op_list, (ic.max_autotune, ic.max_autotune_gemm_backends)

def _gelu_saved():
    "The partitioner's op list without GELU (decomposed by then: its `erf`) among the ops it may recompute in the backward."
    ops, aten = _op_list(), torch.ops.aten
    ops.recomputable_ops = type(ops.recomputable_ops)(o for o in ops.recomputable_ops if o not in (aten.gelu, aten.erf))
    return ops

_partition, _erf_in_backward = partitioners.min_cut_rematerialization_partition, []
def _watched_partition(*a, **kw):
    "The partitioner, noting whether the backward graph it makes computes `erf`."
    fw, bw = _partition(*a, **kw)
    _erf_in_backward.append(any('erf' in str(n.target) for n in bw.graph.nodes))
    return fw, bw
partitioners.min_cut_rematerialization_partition = _watched_partition


def config(keys=(), kernel=None):
    "The `cpu` preset as `bench` runs it (no dropout, dtype resolved), with the overrides `keys` and attention `kernel`."
    cfg = load_config('cpu', [*NO_DROPOUT, *([f'model.attn_impl={kernel}'] if kernel else []), *keys])
    if cfg.dtype == 'auto': cfg.dtype = auto_dtype('cpu')
    return cfg

def attention_at(rev):
    "The module `scratch_lm/attention.py` as it was at git revision `rev`, imported under a name of its own."
    def git(*a):
        r = subprocess.run(['git', *a], capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
        if r.returncode: sys.exit(f"attention@{rev}: git {' '.join(a)}: {r.stderr.strip()}")
        return r.stdout
    commit = git('rev-parse', '--verify', f'{rev}^{{commit}}').strip()
    path = Path(tempfile.mkdtemp()) / f'attention_{commit}.py'; path.write_text(git('show', f'{commit}:scratch_lm/attention.py'))
    spec = importlib.util.spec_from_file_location(path.stem, path); mod = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = mod; spec.loader.exec_module(mod); return mod        # (dynamo looks modules up by name)

FLAGS = ('gelu_saved', 'max_autotune', 'cpp_wrapper', 'deterministic')

def _deterministic(f):
    "`f` run inside `deterministic()`, as training runs a compiled CPU step (so it is compiled under it too)."
    def run():
        with deterministic(): return f()
    return run
def make(spec, kernel):
    """Build, compile and warm up the variant `spec`; returns its no-argument step (its losses in `step.losses`),
    whether its backward computes erf, and its two warm-up losses."""
    parts = [p for p in spec.split(',') if p != '-']
    flags = {p for p in parts if p in FLAGS or p.startswith('attention@')}
    cfg = config([p for p in parts if p not in flags], kernel)
    mc = cfg.model_config(); torch.manual_seed(0)
    x, y = (torch.randint(0, mc.vocab_size, (cfg.batch_size, mc.block_size)) for _ in range(2))
    m = GPT(mc).train()
    revs = [f.split('@', 1)[1] for f in flags if f.startswith('attention@')]
    if len(revs) > 1: sys.exit(f"{spec}: one attention@REV per variant")
    for rev in revs:                                                    # this model's attention layers run the old code
        if mc.attn_impl != 'blocked' or mc.attn_dropout: sys.exit(f"{spec}: attention runs {mc.attn_impl!r} here (attention "
                                                                  f"dropout {mc.attn_dropout}), not the blocked kernel whose code differs")
        old = attention_at(rev).CausalSelfAttention
        for b in m.blocks: b.attn.__class__ = old
    opt, prec = make_optimizer(m, cfg, 'cpu'), Precision('cpu', cfg.dtype)
    loss = torch.compile(eval("lambda a, b: m(a, b, only_loss=True)", {'m': m}), fullgraph=True,   # a code object of its
                         options={'cpp_wrapper': True} if 'cpp_wrapper' in flags else None)        # own, one graph
    seen = []                                                           # every loss this variant's steps give
    step = lambda: seen.append(train_step(opt, prec, [(x, y)], loss, cfg.grad_clip)[0]) or seen[-1]
    if 'deterministic' in flags: step = _deterministic(step)
    if 'gelu_saved' in flags: partitioners.get_default_op_list = _gelu_saved
    if 'max_autotune' in flags: ic.max_autotune, ic.max_autotune_gemm_backends = True, 'CPP,ATEN'
    _erf_in_backward.clear(); templates = counters['inductor']['cpp_templated_kernel_counter']
    try: losses = [step(), step()]                                      # compiles (forward and backward) here
    finally: partitioners.get_default_op_list, (ic.max_autotune, ic.max_autotune_gemm_backends) = _op_list, _autotune
    if 'max_autotune' in flags: print(f"max_autotune: {counters['inductor']['cpp_templated_kernel_counter'] - templates} C++ GEMM "
                                    "template kernels generated (the AUTOTUNE tables on stderr say which won)", flush=True)
    if 'gelu_saved' in flags and any(_erf_in_backward): sys.exit("gelu_saved: the backward still computes erf; the patch did not apply")
    step.losses = seen
    return step, any(_erf_in_backward), losses

def main(rounds, specs):
    cfg = config(); mc = cfg.model_config()
    kernel = pick_attention(mc, cfg.batch_size, cfg.dtype, cfg.compile)[0]   # `auto` measured once, for all variants
    print(f"{cpu_name()}, {torch.get_num_threads()} threads, torch {torch.__version__}, {cfg.dtype}, "
          f"batch {cfg.batch_size}x{mc.block_size}, attention {kernel}, {rounds} rounds", flush=True)
    steps = {}
    for s in specs:
        t = time.time(); step, erf, losses = make(s, kernel)
        finite = all(math.isfinite(l) for l in losses)                  # (train_step gives nan if the gradients are not finite)
        print(f"{s}: compiled and warm in {time.time() - t:.0f} s; its backward {'computes' if erf else 'does not compute'} erf; "
              f"warm-up losses {' '.join(f'{l:.4f}' for l in losses)}{'' if finite else ': not finite, so not timed'}", flush=True)
        if finite: steps[s] = step
        elif s == specs[0]: sys.exit(f"{s!r}, the reference, did not train: nothing to compare with")
    specs = [s for s in specs if s in steps]
    graphs = counters['stats']['unique_graphs']
    ts = {s: [] for s in specs}
    for r in range(rounds):
        for s in specs[r % len(specs):] + specs[:r % len(specs)]: ts[s] += time_steps(steps[s], 0, 1)
    if counters['stats']['unique_graphs'] != graphs: sys.exit("a variant recompiled while being timed: the figures are void")
    if bad := [s for s in specs if not all(math.isfinite(l) for l in steps[s].losses)]:
        sys.exit(f"{', '.join(bad)}: a loss was not finite while being timed (a skipped update is faster): the figures are void")
    for s, v in ts.items():
        paired = statistics.median(a / b for a, b in zip(v, ts[specs[0]]))
        print(f"{s:28s} median step {statistics.median(v):.3f} s, paired ratio to {specs[0]!r} {paired:.3f}; "
              f"steps {' '.join(f'{t:.2f}' for t in v)}")

if __name__ == '__main__':
    if len(sys.argv) < 3 or not sys.argv[1].isdigit() or int(sys.argv[1]) < 1: sys.exit(__doc__)
    main(int(sys.argv[1]), sys.argv[2:])
