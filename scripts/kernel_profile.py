#!/usr/bin/env python
"""Where one compiled training step of the `cpu` preset goes, kernel by kernel: inductor's generated kernels are named
in the profile (`cpp.enable_kernel_profile`), not lumped into one "CompiledFxGraph" line as in `bench --profile`.

    python scripts/kernel_profile.py > releases/kernel_profile.txt     # alone on the machine, ~1 minute

Two steps are profiled after three warm-up steps; times are for the two together. The attention kernel is the blocked
one that `attn_impl: auto` picks on a CPU with native bf16."""
import torch, torch._inductor.config as ic
ic.cpp.enable_kernel_profile = True
from torch.profiler import profile, ProfilerActivity
from scratch_lm.bench import bench_config, scratch_step, cpu_name, cpu_flags

cfg = bench_config('cpu'); cfg.model = {**cfg.model, 'attn_impl': 'blocked'}
mc = cfg.model_config(); torch.manual_seed(0)
x, y = (torch.randint(0, mc.vocab_size, (cfg.batch_size, mc.block_size)) for _ in range(2))
step = scratch_step(cfg, x, y)
for _ in range(3): step()
with profile(activities=[ProfilerActivity.CPU]) as prof:
    step(); step()
print(f"{cpu_name()} ({', '.join(cpu_flags())}), {torch.get_num_threads()} threads, {cfg.dtype}, batch {cfg.batch_size}x{mc.block_size}, "
      f"torch {torch.__version__}; two steps of the cpu preset, compiled, attention 'blocked'")
print(prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=40, max_name_column_width=90))
