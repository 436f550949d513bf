"""Time the chunked loss head's pieces in the ways `07_bench` compares them, in one process, interleaved rounds.

    python scripts/head_variants.py > releases/head_variants.txt

1. The head's three products for one chunk (1,024 rows x 16,000 logits x 384) with the weight as a contiguous (d, V)
   copy and as a transposed view of the (V, d) embedding, and the hidden states' gradient written row-major
   (`g @ wt.T`) or as the transpose of a (d, rows) product, copied row-major (`(wt @ g.T).T.contiguous()`, what
   `03_model` does).
2. The whole head (4,096 rows, chunks of 1,024, forward and gradients, compiled) with four ways of writing the
   chunk's gradient g = softmax - one-hot in the autocast dtype: the softmax in fp32, the one-hot subtracted in place
   (`scatter_add_`), then cast ('scatter, then cast'); the softmax cast, then the targets' entries p_t - 1, computed
   in fp32, written over it ('cast, then scatter'); the one-hot subtracted as a mask in the same expression as the
   softmax, then cast ('mask, one pass': what `03_model` does); and the softmax alone ('softmax alone': not a
   gradient, the floor). The first three give the same gradients (checked, on rows with confident predictions too).
Runs in bf16 where the CPU multiplies it natively (AMX or AVX512-BF16), else fp32. Run it alone on the machine.
"""
import statistics, time
import torch
from scratch_lm.step import auto_dtype, DTYPES
from scratch_lm.bench import cpu_name, cpu_flags

def rounds(fs, n):
    "Median and fastest milliseconds of each no-argument function, timed in `n` interleaved rounds after one warm-up."
    for f in fs.values(): f()
    ts = {k: [] for k in fs}
    for _ in range(n):
        for k, f in fs.items():
            t = time.perf_counter(); f(); ts[k].append(time.perf_counter() - t)
    for k, t in ts.items(): print(f"  {k:42} median {statistics.median(t) * 1e3:7.1f} ms   fastest {min(t) * 1e3:7.1f} ms")

def head(kind, dt, N=4096, V=16000, d=384, C=1024):
    """The chunked head's forward and gradients as `03_model` computes them (inputs already in `dt`, no autocast, the
    hidden states' gradient in `dt`), with `kind` deciding how g is written."""
    def f(h, w, t):
        keep = t != -1; tt = torch.where(keep, t, 0); n = keep.sum()
        cols = torch.arange(V, dtype=torch.int32)
        wt = w.to(dt).T.contiguous(); loss = torch.zeros(())
        gh = torch.empty(N, d, dtype=dt); gw = torch.zeros(V, d)
        for i in range(0, N, C):
            hc, tc, kc = h[i:i + C], tt[i:i + C], keep[i:i + C, None]
            z = hc @ wt
            lse = z.float().logsumexp(-1, keepdim=True); zt = z.gather(1, tc[:, None]).float()
            loss += ((lse - zt) * kc).sum()
            if kind == 'scatter, then cast':
                g = (z.float() - lse).exp().scatter_add_(1, tc[:, None], -torch.ones_like(lse)).mul_(kc).to(dt)
            elif kind == 'mask, one pass':
                g = (((z.float() - lse).exp() - (cols == tc[:, None].int()).float()) * kc).to(dt)
            else:
                g = ((z.float() - lse).exp() * kc).to(dt)
                if kind == 'cast, then scatter': g = g.scatter(1, tc[:, None], (((zt - lse).exp() - 1) * kc).to(dt))
            gh[i:i + C] = (wt @ g.T).T.contiguous()
            gw += (g.T @ hc).float()
        return loss / n, gh, gw
    return torch.compile(f)

if __name__ == '__main__':
    name = auto_dtype('cpu'); dt = DTYPES[name]
    print(f"{cpu_name()} ({', '.join(cpu_flags())}), torch {torch.__version__}, {torch.get_num_threads()} threads, {name}")
    torch.manual_seed(0)
    g, hc = torch.randn(1024, 16000, dtype=dt), torch.randn(1024, 384, dtype=dt)
    wv = torch.randn(16000, 384, dtype=dt); wt = wv.T.contiguous()
    print("one chunk's products, weight as a contiguous (d, V) copy `wt` or a transposed view of the (V, d) `w`:")
    rounds({'logits      hc @ wt':        lambda: hc @ wt,        'logits      hc @ w.T':   lambda: hc @ wv.T,
            'grad of h   g @ wt.T':       lambda: g @ wt.T,       'grad of h   (wt @ g.T).T.contiguous()': lambda: (wt @ g.T).T.contiguous(),
            'grad of h   g @ w':          lambda: g @ wv,
            'grad of w   g.T @ hc':       lambda: g.T @ hc}, 30)
    w, t = torch.randn(16000, 384) * 0.05, torch.randint(0, 16000, (4096,))
    h = torch.randn(4096, 384)
    h[::2] = 12 * w[t[::2]] / w[t[::2]].norm(dim=1, keepdim=True) ** 2   # every other row predicts its target confidently
    h = h.to(dt); t[::50] = -1                                            # and some rows are ignored
    kinds = ('scatter, then cast', 'cast, then scatter', 'mask, one pass', 'softmax alone')
    fs = {k: head(k, dt) for k in kinds}
    ref = fs[kinds[0]](h, w, t)
    for k in kinds[1:3]:                               # the same numbers, rounded once: the same gradients
        for a, b in zip(fs[k](h, w, t), ref): torch.testing.assert_close(a, b, rtol=1e-2, atol=1e-5, msg=k)
    print("the whole head (4,096 rows in chunks of 1,024, forward and gradients, compiled), g written as:")
    rounds({k: (lambda f=f: f(h, w, t)) for k, f in fs.items()}, 20)
